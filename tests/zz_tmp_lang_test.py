def test_lang(settings):
    from django.utils import translation
    from mingjing.accounts.models import Role
    print("LANG0", translation.get_language(), str(Role.COUNTY_ADMIN.label))
    import tests.test_access_matrix  # noqa
    print("LANG1", translation.get_language(), str(Role.COUNTY_ADMIN.label))
