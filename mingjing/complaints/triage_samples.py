"""Labelled synthetic complaints, for the category classifier of `triage.py`.

A new county has no complaints yet, so the suggestion starts from these texts and learns from the
staff's decisions afterwards. Everything here is invented: villages, people (a surname and 某), sums.
Pure Python, no Django: `samples(n, seed)` is reproducible from its seed.

How a text is made: an optional opener, one complaint from its category's templates, sometimes a
second one of the same category, sometimes an aside belonging to another category (the hard cases:
a 低保 complaint that also says the cadre was rude, a 工程 complaint full of money), an optional
closing; then, for some texts, colloquial and mistyped forms (俺, 咋, 帐 for 账, 底保 for 低保, no
punctuation). Hard cases are also written into the templates themselves: a 用工 complaint on a road
site, a 公开 complaint about the 低保 list, a 其他 question about 医保, a 作风 complaint about a
bribe for a 低保 application. Lengths are kept within 15–300 characters.

Held-out phrasings, so the measured accuracy is not memorised templates: every template list and
every vocabulary list comes in two parts, `(train, held)`. `samples(..., held_out=False)`, the
training set, never uses a held part. `samples(..., held_out=True)`, the evaluation set, takes a
held-out template for half of its complaints and a held-out word for half of its slots, so about
three quarters of the evaluation texts contain phrasing the classifier never saw. Train and
evaluation sets also come from different seeds (`TRAIN_SEED`, `EVAL_SEED`).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

TRAIN_SEED = 11
EVAL_SEED = 2011

# How often each category comes up (a guess at a county's mix: 低保 and subsidies the most).
CATEGORY_WEIGHTS = {
    "welfare": 24,
    "project": 16,
    "assets": 14,
    "conduct": 14,
    "other": 12,
    "labour": 10,
    "openness": 10,
}

Part = tuple[str, str]  # (phrasings for training, held-out phrasings), each "a|b|c"

# -- vocabulary: slot name -> (train, held) ------------------------------------------------------

VOCAB: dict[str, Part] = {
    # shared
    "opener": (
        "领导你好,|您好,|我要反映个问题:|我是{village}的村民,|我实名反映:|举报一下,|想问问领导,"
        "|我们是{village}的老百姓,|纪委的同志你们好,|有个事憋了很久了,|反映情况:|你好,",
        "打扰了,|麻烦领导看一下,|我匿名反映一下:|各位领导好,|俺是{village}的,|求助:",
    ),
    "closing": (
        "希望领导查一查。|请纪委管一管!|老百姓意见很大。|希望给个说法。|请上级部门调查处理。"
        "|麻烦尽快处理,谢谢!|大家敢怒不敢言。|不要让老实人吃亏。|请领导重视!|要求彻查!",
        "盼早日答复。|求主持公道!|再不管我就去县里反映了。|请核实后公开处理结果。|拜托了。",
    ),
    "context": (
        "这个事情村里人都知道|我们也不是第一次反映了|之前找过镇里,一直没有下文|大家私下里都在议论"
        "|我说的句句属实,可以来调查|村里好多人都有意见,就是没人敢出头|怕被打击报复所以不敢说名字"
        "|事情已经拖了很久了|我有照片可以作证|问了好几个人都说不清楚",
        "不信可以随便找个村民问问|我们老百姓也不懂政策,就想讨个明白|这种情况已经不是一两年了"
        "|镇上来人看过一次就没下文了",
    ),
    "cadre": (
        "村支书|村主任|村会计|村委委员|村书记|村监委主任|驻村干部|村干部",
        "村两委干部|包村干部|村文书|报账员|村小组长",
    ),
    "relative": ("亲戚|小舅子|侄子|儿子|弟弟|老婆|女婿|堂兄", "外甥|妹夫|连襟|亲家"),
    "time": (
        "去年|前年|上个月|今年春天|年初|前几天|上半年|三个月前",
        "去年秋收后|春节前|今年夏天|上上个月",
    ),
    "dur": ("三个月|半年|一年多|好几个月|两年", "大半年|快一年|四五个月"),
    # 工程
    "proj": (
        "村道硬化|修路|水渠改造|桥梁维修|文化礼堂|村委办公楼|自来水管道|河道清淤|路灯安装|公厕改造"
        "|污水管网|广场铺设|挡土墙|山塘加固|村小学围墙",
        "美丽乡村项目|机耕桥|排水沟|老年活动中心|高标准农田|护栏工程|停车场",
    ),
    "defect": (
        "刚修好没几个月就裂了|路面已经坏得坑坑洼洼|水泥标号不够一踩就碎|厚度明显不够|钢筋用的是细的"
        "|下雨就漏水|用的都是劣质材料|偷工减料很严重|验收走过场|图纸上写的和实际做的不一样",
        "墙体都歪了|一个冬天就冻坏了|砂石里全是泥|说好的二十公分只有十公分|管子埋得太浅一压就破",
    ),
    "tender": (
        "没有公开招标就包出去了|招标是走过场|包给了{cadre}的{relative}|几个老板轮流中标"
        "|把工程拆成几块规避招标|先开工后补手续|施工队是{cadre}指定的|有人围标串标",
        "标还没开就已经有人进场施工了|中标的公司就是个空壳|另外几家明显是陪标",
    ),
    "projmoney": (
        "工程款{amount}去向不明|决算比预算多出了{amount}|工程结算价明显虚高|造价高得离谱",
        "追加的{amount}工程款没上会讨论|一个小工程报了{amount}",
    ),
    # 三资
    "asset": (
        "村集体的鱼塘|集体山林|村办厂房|村里的店面|集体土地|村部旧房子|水库|沙场|村里的商铺|集体林地",
        "村里的仓库|旧小学校舍|集体果园|河滩地",
    ),
    "assetissue": (
        "被低价承包给{cadre}的{relative}|租金多年没收上来|承包合同一签三十年没人知道|被人私下转租赚差价"
        "|没经过村民代表大会就出租了|租金去向不明|被{cadre}自己占着用",
        "承包费打到了个人账户|合同到期了还一直占着|续租没有公开竞价",
    ),
    "fund": (
        "征地补偿款|村集体收入|集体分红|土地流转费|青苗补偿费|村集体账上的钱|上级拨的村级运转经费",
        "拆迁补偿款|光伏发电收益|集体经营性收入",
    ),
    "fundissue": (
        "被截留了一部分|到现在都没分下来|被挪去还村里的欠债|村里用白条入账|账目一塌糊涂"
        "|被{cadre}挪用了|分配方案谁也不知道",
        "每户少发了{amount}|发放标准前后不一致|被拿去吃吃喝喝了",
    ),
    # 低保/补贴
    "benefit": (
        "低保|五保|特困供养|残疾人两项补贴|高龄津贴|耕地地力保护补贴|临时救助|危房改造补助|养老金"
        "|种粮补贴|农机购置补贴|孤儿生活费",
        "雨露计划补助|重度残疾人护理补贴|困难群众慰问金|独生子女奖励扶助金|退耕还林补助",
    ),
    "welfareissue": (
        "{person}家里有车有房还在吃{benefit}|{cadre}的{relative}也领着{benefit}|人都去世两年了{benefit}还在发"
        "|真正困难的人评不上{benefit}|{benefit}被村里扣了一部分|{benefit}到现在都没发到卡上"
        "|评{benefit}全凭关系|{benefit}的卡被{cadre}拿着不给本人",
        "{person}在城里开了店还领{benefit}|{benefit}发的金额跟标准对不上|一家五口人全都吃{benefit}"
        "|一卡通里的{benefit}被人取走了",
    ),
    "hardship": (
        "老伴瘫痪在床|孩子得了大病|住的是危房|没有劳动能力|一个人带两个孙子",
        "欠了一屁股医药费|年纪大了又没儿女|腿摔断了干不了活",
    ),
    "rich": (
        "刚买了小轿车|在县城有两套房|儿子是公务员|开着厂",
        "有挖掘机|承包了几百亩地|天天开着新车",
    ),
    # 用工
    "work": (
        "修路|清理河道|植树造林|打扫卫生|防汛值班|搬运物资|村道保洁|护林巡山|疫情值守|修水渠",
        "除草|种绿化苗木|拆违清障|清淤挖沟",
    ),
    "labourissue": (
        "工钱拖了{dur}还没给|每天说好{n}块实际只给{m}块|用工名单上有人根本没来干活"
        "|{cadre}的{relative}挂名领工资|派工单是{cadre}自己开的|出工天数被虚报了"
        "|干活的都是{cadre}的熟人",
        "签字的人和干活的人对不上|一天的活报了三天的工|工资被包工头卷走了",
    ),
    "role": (
        "保洁员|护林员|公益性岗位|河道巡查员|村里临时工",
        "水管员|护路员|安全员",
    ),
    # 党务/村务公开
    "board": (
        "村务公开栏|财务公开|三务公开|账目公开|党务公开栏|公示栏",
        "村里的微信群公告|公开墙|村务公开的内容",
    ),
    "boardissue": (
        "半年都没更新了|贴的还是前年的内容|只公开个总数不公开明细|公示了两天就撕了"
        "|贴得那么高根本看不清|内容全是空话|该公开的没公开",
        "公示的时候正好赶上大家都出去打工|数字前后对不上也不解释",
    ),
    "decision": (
        "发展党员|村民代表大会|一事一议|低保评议|党费收缴|换届选举|宅基地审批",
        "村规民约修订|集体资产处置|预备党员转正",
    ),
    "decisionissue": (
        "没有公示就定下来了|从来没开过会|会议记录是编的|谁也不知道结果|党员大会走过场|结果不公布",
        "签名是代签的|群众代表都是{cadre}指定的",
    ),
    # 作风
    "conductissue": (
        "上班时间打牌|办事推诿扯皮|门难进脸难看|开口就骂人|吃拿卡要|办个证明还要请吃饭"
        "|工作日经常不在岗|公车私用|大操大办收礼金|喝了酒就来办公|对老百姓爱理不理"
        "|收了红包才给办事|天天在办公室玩手机",
        "醉驾被抓了还照样当干部|儿子结婚摆了四十桌|一个章拖了半个月不给盖|说话阴阳怪气",
    ),
    "errand": (
        "户口迁移证明|宅基地手续|医保|残疾证|房屋翻修申请|贫困证明|开个证明",
        "土地确权|社保卡|营业执照证明",
    ),
    "bribe": ("给{cadre}送两条烟|请{cadre}吃饭|塞个红包", "送点土特产|给{cadre}拿两瓶酒"),
    "luxury": (
        "办酒席收了几万块礼金|开着村里的车去钓鱼|在饭店吃饭让村里报销|用公款买烟酒",
        "拿村里的钱去旅游|吃饭的发票开成办公用品",
    ),
    # 其他
    "otherissue": (
        "邻居家的狗天天乱叫还咬人|养猪场臭气熏天|隔壁工厂半夜排污|路灯坏了好久没人修"
        "|垃圾堆在路边没人清|邻居占了我家宅基地|山上有人偷挖沙|河里有人电鱼|网络信号太差"
        "|村口经常有大货车超速|有人在山上乱砍树|楼上噪音太大",
        "鸡鸭到处跑很不卫生|公交车一天只有一班|村里打麻将声音太吵|邻居盖房挡了我家采光",
    ),
    "question": (
        "孩子户口怎么迁|独生子女证丢了怎么补|外出打工医保怎么交|老房子能不能翻修|新农合怎么交费",
        "驾照到期在哪换|异地就医怎么备案|医保报销比例是多少",
    ),
}

# -- templates: category -> (train, held) ---------------------------------------------------------

TEMPLATES: dict[str, tuple[list[str], list[str]]] = {
    "project": (
        [
            "{village}{time}搞的{proj},{defect}",
            "我们村{proj}{tender},质量也很差,{defect}",
            "{proj}工程{tender},{cadre}一个人说了算,老百姓都看在眼里",
            "村里的{proj}花了{amount},结果{defect},这钱花得不明不白",
            "{proj}项目{projmoney}。我们怀疑{cadre}从中拿了好处",
            "反映{village}{proj}质量问题:{defect},施工单位根本不管,找{cadre}也没用",
            "{proj}拖了{dur}还没完工,{defect}",
            "{time}{proj}{tender},我们要求公开招标过程",
        ],
        [
            "{proj}这个活{tender},干出来{defect},谁来担责?",
            "看不下去了,{village}的{proj}{defect},验收居然还通过了",
            "{proj}做成这个样子,{projmoney},请派人来量一量就知道了",
        ],
    ),
    "assets": (
        [
            "{village}的{asset}{assetissue}",
            "{time}发的{fund}{fundissue},我家应得{amount}只拿到一半",
            "{fund}{fundissue},问{cadre}就说没钱了",
            "村里的{asset}每年租金{amount},但账上看不到这笔收入",
            "我们怀疑{cadre}把{fund}挪作他用,账对不上",
            "{asset}{assetissue},村集体的资产就这样流失了",
        ],
        [
            "{asset}到底租给谁了、一年多少钱,没人说得清,{assetissue}",
            "{fund}的事:{fundissue},集体的钱不是{cadre}家的钱",
        ],
    ),
    "welfare": (
        [
            "{village}{welfareissue},这公平吗?",
            "我家{hardship},申请了{benefit}好几次都没批,{person}家条件比我好却评上了",
            "{benefit}的事:{welfareissue}",
            "去问{benefit}的事,{cadre}态度很差,说我不够条件,可是{person}家{rich}",
            "{time}的{benefit}少发了{amount},问了也没人给解释",
            "{welfareissue},{benefit}应该给真正需要的人",
        ],
        [
            "麻烦查一下{benefit}名单,{welfareissue}",
            "家里{hardship},{benefit}一直办不下来,{person}家{rich}反倒吃上了",
        ],
    ),
    "labour": (
        [
            "我{time}在村里{work},{labourissue}",
            "村里{work}雇的人{labourissue}",
            "{role}这个岗位被{cadre}安排给了自己家里人,{labourissue}",
            "{village}{work}用工有问题:{labourissue}。村里的钱就这么被套走了",
            "{proj}工地上我们干了{dur}的活,{labourissue},老板说村里没给钱他也没办法",
            "当{role}的,{labourissue}",
        ],
        [
            "帮村里{work}的工钱到现在没结,{labourissue}",
            "当{role}干了{dur},{labourissue},我们干活的人拿不到钱",
        ],
    ),
    "openness": (
        [
            "我们村的{board}{boardissue}",
            "{decision}{decisionissue},村民有知情权!",
            "{village}{decision}的事{decisionissue},{board}上啥也没有",
            "发展党员论资排辈,全是{cadre}的亲戚,也不公示",
            "{benefit}名单从来不公示,不知道到底是谁在领",
            "村里的账从来不公开,收了多少钱花了多少钱没人知道",
        ],
        [
            "想看看村里的账,{cadre}说不给看,{board}{boardissue}",
            "{decision}这么大的事,既不开会也不公示,{decisionissue}",
        ],
    ),
    "conduct": (
        [
            "{village}{cadre}{conductissue}",
            "我去村里办{errand},{cadre}{conductissue}",
            "{cadre}{person}仗着自己有关系,{conductissue},群众意见很大",
            "{cadre}{person}{time}{luxury}",
            "办{benefit}要先{bribe},不然就拖着不办,{cadre}{conductissue}",
            "找{cadre}办{errand}跑了五六趟,{conductissue}",
        ],
        [
            "{cadre}根本不把老百姓当回事,{conductissue}",
            "作风太差了,{cadre}{luxury},镇里也不管管",
        ],
    ),
    "other": (
        [
            "{otherissue},希望有关部门管一管",
            "{village}{otherissue},找了{cadre}说不归他们管",
            "我想问一下,{question}?",
            "村里问题太多了,不知道该找谁反映",
            "{otherissue},已经影响到我们正常生活了",
        ],
        [
            "麻烦管一管,{otherissue},已经好长时间了",
            "{otherissue}。这事该找谁?",
            "请问{question}?",
        ],
    ),
}

# Remarks about another category's matter, added to some complaints (the complaint keeps its label).
ASIDES: dict[str, list[str]] = {
    "project": ["听说{proj}也有问题", "村里修路的钱也不知道花哪去了"],
    "assets": ["村里的账也是一笔糊涂账", "{asset}也租给了熟人"],
    "welfare": ["他家还领着低保", "我家的补贴也一直没到"],
    "labour": ["干活的工钱也拖着", "村里雇人都是找自己人"],
    "openness": ["公开栏也从来不更新", "什么事都不公示"],
    "conduct": ["{cadre}态度也很差", "说两句就骂人", "平时也不在村里上班"],
    "other": ["村里的路灯也坏了", "垃圾也没人清理"],
}

SURNAMES: Part = (
    "张|王|李|赵|刘|陈|杨|黄|周|吴|徐|孙|马|朱|胡|郭|何|林|罗|高",
    "郑|梁|谢|宋|唐|许|韩|冯|邓|曹",
)
VILLAGE_NAMES: Part = (
    "东湖|西山|南塘|北岗|柳林|石桥|杨家|李庄|新塘|下洋|上坊|青山|桃源|马鞍|黄泥|大塘|白沙|后溪",
    "龙潭|沙湾|高坪|枫树|莲花|金竹|岭下|水口",
)
TOWNSHIPS = "城关|双溪|河口|清水|长乐|永安"

# Colloquial forms and common slips of the keyboard, applied to some texts.
ROUGH = [
    ("我们", "俺们"),
    ("什么", "啥"),
    ("怎么", "咋"),
    ("账", "帐"),
    ("已经", "以经"),
    ("反映", "反应"),
    ("低保", "底保"),
    ("补贴", "补帖"),
    ("再", "在"),
    ("的", "得"),
    ("工钱", "工前"),
    ("公示", "公式"),
]


def _options(part: Part, held_share: float, rng: random.Random) -> list[str]:
    """The phrasings to draw from: the held-out ones with probability `held_share`."""
    train, held = part
    return (held if held and rng.random() < held_share else train).split("|")


class _Writer:
    """Fills templates; in held-out mode half of the slots take a held-out word."""

    def __init__(self, rng: random.Random, held_out: bool) -> None:
        self.rng = rng
        self.held = 0.5 if held_out else 0.0
        self.generated: dict[str, Callable[[], str]] = {
            "village": self._village,
            "person": self._person,
            "amount": self._amount,
            "n": lambda: str(rng.choice([80, 100, 120, 150, 200])),
            "m": lambda: str(rng.choice([50, 60, 70])),
        }

    def _village(self) -> str:
        name = self.rng.choice(_options(VILLAGE_NAMES, self.held, self.rng)) + "村"
        if self.rng.random() < 0.2:
            return self.rng.choice(TOWNSHIPS.split("|")) + "镇" + name
        return name

    def _person(self) -> str:
        return self.rng.choice(_options(SURNAMES, self.held, self.rng)) + self.rng.choice(
            ["某", "某", "某某"]
        )

    def _amount(self) -> str:
        rng = self.rng
        return rng.choice(
            [
                f"{rng.randint(2, 98) * 100}元",
                f"{rng.randint(2, 50) * 100}块钱",
                f"{rng.randint(2, 80)}万多",
                "好几万",
                "十几万",
                f"{rng.randint(1, 9)}千多块",
            ]
        )

    def fill(self, template: str) -> str:
        """Replace every `{slot}` (slots may contain slots) with a phrasing."""
        text = template
        for _ in range(5):
            if "{" not in text:
                break
            text = re.sub(r"\{(\w+)\}", lambda m: self._word(m.group(1)), text)
        return text

    def _word(self, slot: str) -> str:
        if slot in self.generated:
            return self.generated[slot]()
        return self.rng.choice(_options(VOCAB[slot], self.held, self.rng))


def _sentence(text: str, rng: random.Random) -> str:
    """End a piece with a punctuation mark unless it has one."""
    if text and text[-1] in ",。!?:,.!?:":
        return text
    return text + rng.choice(["。", "。", ",", "!", "。"])


def _roughen(text: str, rng: random.Random) -> str:
    """Colloquial forms, slips and sloppy punctuation, as texts typed on a phone come."""
    for plain, rough in rng.sample(ROUGH, k=rng.randint(1, 3)):
        if plain in text:
            text = text.replace(plain, rough, 1)
    roll = rng.random()
    if roll < 0.25:
        text = re.sub(r"[,。]", " ", text)
    elif roll < 0.4:
        text = text.rstrip("。!,") + rng.choice(["!!!", "???", "。。。", "!!"])
    elif roll < 0.5:
        text = text.replace(",", ",").replace("!", "!").replace("?", "?")
    return text.strip()


def complaint(category: str, rng: random.Random, *, held_out: bool = False) -> str:
    """One synthetic complaint of `category` (a code of `triage.CATEGORIES`)."""
    writer = _Writer(rng, held_out)
    train, held = TEMPLATES[category]

    templates = rng.sample(held, len(held)) if held_out and rng.random() < 0.5 else []
    templates += rng.sample(train, len(train))

    # 1. the pieces: opener, one to three complaints, context, an aside, closing
    opener = writer.fill("{opener}") if rng.random() < 0.45 else ""
    body = [_sentence(writer.fill(templates[0]), rng)]
    for template in templates[1:3]:
        if rng.random() < 0.3:
            body.append(_sentence(writer.fill(template), rng))
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3])):
        body.insert(rng.randint(1, len(body)), _sentence(writer.fill("{context}"), rng))
    if rng.random() < 0.15:
        other = rng.choice([c for c in ASIDES if c != category])
        body.append(_sentence(writer.fill(rng.choice(ASIDES[other])), rng))
    closing = writer.fill("{closing}") if rng.random() < 0.55 else ""
    # 2. within 15–300 characters: drop the extras first, pad a short one with opener and closing
    text = opener + "".join(body) + closing
    while len(text) > 300 and len(body) > 1:
        body.pop()
        text = opener + "".join(body) + closing
    text = text[:300]
    if len(text) < 20:
        text = (
            (opener or writer.fill("{opener}"))
            + "".join(body)
            + (closing or writer.fill("{closing}"))
        )
    # 3. typed on a phone
    if rng.random() < 0.35:
        text = _roughen(text, rng)
    return text if len(text) >= 15 else text + "请领导管一管。"


def samples(n: int, seed: int, *, held_out: bool = False) -> list[tuple[str, str]]:
    """`n` labelled complaints `(text, category code)`, categories drawn by `CATEGORY_WEIGHTS`.

    `held_out=False` uses the training phrasings only; `held_out=True` mixes in the held-out ones
    (see the module docstring): use it, with another seed, to measure accuracy.
    """
    rng = random.Random(seed)
    codes = list(CATEGORY_WEIGHTS)
    weights = list(CATEGORY_WEIGHTS.values())
    out = []
    for _ in range(n):
        category = rng.choices(codes, weights)[0]
        out.append((complaint(category, rng, held_out=held_out), category))
    return out


def training_samples(n: int = 3000) -> list[tuple[str, str]]:
    """The seed set the classifier starts from."""
    return samples(n, TRAIN_SEED)


def evaluation_samples(n: int = 2000) -> list[tuple[str, str]]:
    """The labelled set accuracy is measured on: another seed, held-out phrasings."""
    return samples(n, EVAL_SEED, held_out=True)
