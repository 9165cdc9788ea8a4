"""Mingjing 明镜: grassroots smart supervision of small and micro power."""
