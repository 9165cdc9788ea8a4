"""Word lists for the demo county: synthetic names of people, places, schools and employers.

Every name is assembled from these lists at random, so no generated person is a real one. The
lists only use characters that GBK can encode, because several department files are written in
GBK. Planted (anomaly) people draw their given names from `PLANTED_GIVEN`, which shares no
character with the background lists: a planted name can therefore never collide with a background
name, and the manifest's expected hits stay exact whatever the seed.
"""

from __future__ import annotations

# Single-character surnames, most common first; `SURNAME_WEIGHTS` gives a long-tailed distribution.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔向汤"
)
SURNAME_WEIGHTS = tuple(1.0 / (i + 4) for i in range(len(SURNAMES)))

# Given-name characters by gender; a given name is one or two characters.
MALE_GIVEN = "伟强磊军勇杰涛明超刚平辉建国华志文斌波鹏海林峰俊成宇浩凯健龙亮东兵坤鑫祥福贵生德荣庆松山江忠民全发根卫红光正永新春"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞秀英玲桂兰梅琴云莲凤珍燕萍雪慧婷玉洁琳丹颖倩月翠菊花香巧爱琼秋娥彩素美晓小金银冬"

# Given-name characters reserved for planted people (none of them appears in the lists above).
PLANTED_GIVEN = "澄翊岚蘅珩璟湛骞昀聿钧曜筠芮琰珏岑笙瑾璞琮濯"

# Minority names written with a middle dot (given name · father's name), e.g. 阿依古丽·买买提.
MINORITY_FIRST = (
    "阿依古丽",
    "古丽娜尔",
    "买买提",
    "艾尔肯",
    "努尔兰",
    "热依拉",
    "阿不都",
    "吐尔逊",
    "帕提古丽",
    "迪丽拜尔",
    "艾合买提",
    "阿力木",
    "如先古丽",
    "麦麦提",
    "依明",
    "图尔荪",
    "阿孜古丽",
    "克然木",
)
MINORITY_SECOND = (
    "买买提",
    "吐尔逊",
    "阿不都热合曼",
    "艾力",
    "玉素甫",
    "卡德尔",
    "司马义",
    "依不拉音",
    "热合曼",
    "肉孜",
    "托合提",
    "阿西木",
    "沙吾提",
    "努尔",
    "亚森",
    "尼亚孜",
)
# Characters that departments use in place of the middle dot `·` (U+00B7).
MIDDLE_DOT_VARIANTS = ("•", "・", "‧")

# Place-name stems for townships and villages.
TOWNSHIP_STEMS = (
    "清溪",
    "白石",
    "龙潭",
    "石门",
    "花桥",
    "云湖",
    "桃源",
    "金田",
    "杨林",
    "梅林",
    "黄龙",
    "青山",
    "双江",
    "长岭",
    "新塘",
    "湖口",
    "东山",
    "西河",
    "南岗",
    "北坪",
    "茶陵",
    "枫树",
    "柏树",
    "射埠",
)
VILLAGE_STEMS = (
    "桃园",
    "柳塘",
    "杉木",
    "黄泥",
    "新屋",
    "大坪",
    "竹山",
    "枫林",
    "荷叶",
    "石桥",
    "水口",
    "高坪",
    "茶园",
    "莲花",
    "松林",
    "金盆",
    "樟树",
    "马鞍",
    "白果",
    "团结",
    "红星",
    "和平",
    "光明",
    "长冲",
    "塘湾",
    "泉塘",
    "石塘",
    "楠竹",
    "田心",
    "双桥",
    "五星",
    "联合",
    "新民",
    "东风",
    "向阳",
    "青龙",
    "凤形",
    "梅花",
    "龙口",
    "花园",
    "古塘",
    "株木",
    "银田",
    "湘江",
    "群力",
    "丰收",
    "八一",
    "新华",
)

EMPLOYERS = (
    "县人民政府办公室",
    "县财政局",
    "县教育局",
    "县人民医院",
    "县中医医院",
    "县第一中学",
    "县第二中学",
    "县公安局",
    "县自然资源局",
    "县农业农村局",
    "县市场监督管理局",
    "县人力资源和社会保障局",
)
TOWNSHIP_EMPLOYERS = ("人民政府", "中心小学", "中学", "卫生院", "财政所", "派出所")

SCHOOLS = (
    "县第一中学",
    "县第二中学",
    "县职业中等专业学校",
    "明镜职业技术学院",
    "清江师范高等专科学校",
    "明镜卫生职业学院",
    "县第三中学",
)

BUSINESS_STEMS = ("兴旺", "鑫源", "恒丰", "绿野", "金穗", "顺达", "宏图", "福满", "丰源", "嘉禾")
BUSINESS_KINDS = (
    "农业专业合作社",
    "商店",
    "建材有限公司",
    "养殖场",
    "农资经营部",
    "餐馆",
    "运输有限公司",
    "五金店",
)

OFFICIAL_POSITIONS = (
    "村党支部书记",
    "村委会主任",
    "村委会副主任",
    "村委委员",
    "村会计",
    "村务监督委员会主任",
    "民政协理员",
)

DISABILITY_TYPES = (
    "视力残疾",
    "听力残疾",
    "言语残疾",
    "肢体残疾",
    "智力残疾",
    "精神残疾",
    "多重残疾",
)
DISABILITY_LEVELS = ("一级", "二级", "三级", "四级")

# Vehicle types; the first four are exempt from the YKT04 means test (models.md defaults).
EXEMPT_VEHICLE_TYPES = ("摩托车", "残疾人专用车", "三轮汽车", "低速货车")
OTHER_VEHICLE_TYPES = ("小型轿车", "小型普通客车", "轻型普通货车", "中型普通货车", "小型越野客车")
NON_RESIDENTIAL_USAGES = ("商业", "办公", "仓储", "工业", "商服")
