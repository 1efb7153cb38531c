"""Chinese names, companies, addresses and numbers for the generated company.

Plain tables and small builders. Numbers that must be unique (credit codes, phones, mobiles) come
from bijections of a running index, so millions of them never collide and need no lookup set;
every value passes the project's own validators and normalisers (customers.identity).
"""

from __future__ import annotations

from dataclasses import dataclass

from salescore.customers.identity import CREDIT_CODE_ALPHABET, credit_code_check_char

# -- people --------------------------------------------------------------------------------------

# The common surnames, roughly by frequency, with their pinyin.
_SURNAMES = """
王 Wang 72  李 Li 70  张 Zhang 66  刘 Liu 53  陈 Chen 46  杨 Yang 33  黄 Huang 25  赵 Zhao 20  吴 Wu 19
周 Zhou 19  徐 Xu 14  孙 Sun 13  马 Ma 12  朱 Zhu 11  胡 Hu 11  郭 Guo 11  何 He 10  林 Lin 9  高 Gao 9
罗 Luo 9  郑 Zheng 8  梁 Liang 8  谢 Xie 7  宋 Song 6  唐 Tang 6  许 Xu 6  韩 Han 6  冯 Feng 5
邓 Deng 5  曹 Cao 5  彭 Peng 5  曾 Zeng 5  肖 Xiao 5  田 Tian 4  董 Dong 4  袁 Yuan 4  潘 Pan 4  于 Yu 4
蒋 Jiang 4  蔡 Cai 4  余 Yu 4  杜 Du 4  叶 Ye 4  程 Cheng 4  苏 Su 3  魏 Wei 3  吕 Lyu 3  丁 Ding 3
任 Ren 3  沈 Shen 3  姚 Yao 3  卢 Lu 3  姜 Jiang 3  崔 Cui 3  钟 Zhong 3  谭 Tan 2  陆 Lu 2  汪 Wang 2
范 Fan 2  金 Jin 2  石 Shi 2  廖 Liao 2  贾 Jia 2  夏 Xia 2  韦 Wei 2  付 Fu 2  方 Fang 2  白 Bai 2
邹 Zou 2  孟 Meng 2  熊 Xiong 2  秦 Qin 2  邱 Qiu 2  江 Jiang 2  尹 Yin 2  薛 Xue 2  闫 Yan 2  段 Duan 2
雷 Lei 2  侯 Hou 2  龙 Long 2  史 Shi 2  欧阳 Ouyang 1  司马 Sima 1
"""
SURNAMES = [(s, p, int(w)) for s, p, w in zip(*[iter(_SURNAMES.split())] * 3, strict=True)]
# Characters of given names with their pinyin; a given name is one or two of them.
_GIVEN = """
伟 wei  芳 fang  娜 na  敏 min  静 jing  丽 li  强 qiang  磊 lei  军 jun  洋 yang  勇 yong  艳 yan
杰 jie  涛 tao  明 ming  超 chao  霞 xia  平 ping  刚 gang  文 wen  辉 hui  鑫 xin  宇 yu  浩 hao
婷 ting  晨 chen  欣 xin  怡 yi  子 zi  豪 hao  建 jian  国 guo  华 hua  红 hong  志 zhi  斌 bin  波 bo
海 hai  林 lin  亮 liang  峰 feng  俊 jun  玲 ling  燕 yan  雪 xue  梅 mei  琳 lin  倩 qian  佳 jia
颖 ying  慧 hui  嘉 jia  博 bo  凯 kai  鹏 peng  飞 fei  龙 long  东 dong  晓 xiao  雨 yu  思 si  雅 ya
涵 han  睿 rui  轩 xuan  泽 ze  宁 ning  安 an  春 chun  秋 qiu  立 li  新 xin  成 cheng  荣 rong  德 de
永 yong  庆 qing  瑞 rui  丹 dan  媛 yuan
"""
GIVEN = dict(zip(*[iter(_GIVEN.split())] * 2, strict=True))
_GIVEN_CHARS = list(GIVEN)
_SURNAME_WEIGHTS = []
_total = 0
for _name, _pinyin, _weight in SURNAMES:
    _total += _weight
    _SURNAME_WEIGHTS.append(_total)


@dataclass(frozen=True)
class PersonName:
    surname: str
    given: str
    surname_en: str
    given_en: str

    @property
    def name(self) -> str:
        return self.surname + self.given

    @property
    def name_en(self) -> str:
        return f"{self.surname_en} {self.given_en.capitalize()}"


def person_name(dice) -> PersonName:
    index = _bisect(_SURNAME_WEIGHTS, dice.random() * _total)
    surname, surname_en, _weight = SURNAMES[index]
    count = 1 if dice.random() < 0.3 else 2
    chars = [dice.choice(_GIVEN_CHARS) for _ in range(count)]
    return PersonName(surname, "".join(chars), surname_en, "".join(GIVEN[c] for c in chars))


def _bisect(cumulative: list[float], value: float) -> int:
    lo, hi = 0, len(cumulative) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] > value:
            hi = mid
        else:
            lo = mid + 1
    return lo


# -- places --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A city customers are in: its region code (city or province in the Region tree), the text
    of its address, telephone area code and coordinates."""

    region_code: str
    prefix: str  # "浙江省杭州市" / "上海市"
    short: str  # "杭州": the city as it appears in company names
    area: str
    lat: float
    lng: float
    districts: tuple[str, ...]


GENERIC_DISTRICTS = ("高新区", "经济技术开发区", "工业园区", "新区", "临港产业园")
# Cities of the seeded Region tree and the four municipalities (province-level regions, "-" for
# their province): region code, province, city, area code, latitude, longitude, districts.
_CITIES = """
110000 - 北京 010 39.90 116.41 朝阳区 海淀区 丰台区 大兴区 顺义区 昌平区
120000 - 天津 022 39.34 117.36 滨海新区 西青区 东丽区 武清区 北辰区
310000 - 上海 021 31.23 121.47 浦东新区 闵行区 嘉定区 松江区 青浦区 宝山区
500000 - 重庆 023 29.56 106.55 渝北区 九龙坡区 江北区 沙坪坝区 璧山区
130100 河北省 石家庄 0311 38.04 114.51 长安区 裕华区 鹿泉区
140100 山西省 太原 0351 37.87 112.55 小店区 万柏林区
150100 内蒙古自治区 呼和浩特 0471 40.84 111.75 赛罕区 金川开发区
210100 辽宁省 沈阳 024 41.80 123.43 铁西区 浑南区 大东区
210200 辽宁省 大连 0411 38.91 121.61 甘井子区 金州区 旅顺口区
220100 吉林省 长春 0431 43.82 125.32 绿园区 朝阳区 汽车经济技术开发区
230100 黑龙江省 哈尔滨 0451 45.80 126.53 南岗区 平房区 松北区
320100 江苏省 南京 025 32.06 118.80 江宁区 浦口区 栖霞区 六合区
320200 江苏省 无锡 0510 31.49 120.31 新吴区 锡山区 惠山区 江阴市
320500 江苏省 苏州 0512 31.30 120.59 工业园区 吴中区 相城区 昆山市 常熟市
330100 浙江省 杭州 0571 30.27 120.16 余杭区 滨江区 萧山区 钱塘区 临平区
330200 浙江省 宁波 0574 29.87 121.54 北仑区 鄞州区 镇海区 慈溪市 余姚市
340100 安徽省 合肥 0551 31.82 117.23 蜀山区 包河区 肥西县
350100 福建省 福州 0591 26.07 119.30 仓山区 马尾区 闽侯县
350200 福建省 厦门 0592 24.48 118.09 集美区 海沧区 同安区 翔安区
360100 江西省 南昌 0791 28.68 115.86 青山湖区 新建区
370100 山东省 济南 0531 36.65 117.12 历城区 章丘区 槐荫区
370200 山东省 青岛 0532 36.07 120.38 黄岛区 城阳区 即墨区 胶州市
410100 河南省 郑州 0371 34.75 113.63 中原区 金水区 航空港区
420100 湖北省 武汉 027 30.59 114.31 东湖新技术开发区 汉阳区 江夏区 蔡甸区
430100 湖南省 长沙 0731 28.23 112.94 雨花区 岳麓区 望城区 长沙县
440100 广东省 广州 020 23.13 113.26 天河区 黄埔区 番禺区 白云区 花都区
440300 广东省 深圳 0755 22.54 114.06 南山区 宝安区 龙岗区 福田区 龙华区
440600 广东省 佛山 0757 23.02 113.12 顺德区 南海区 禅城区 三水区
441900 广东省 东莞 0769 23.02 113.75 长安镇 松山湖 虎门镇 塘厦镇
450100 广西壮族自治区 南宁 0771 22.82 108.37 青秀区 西乡塘区
460100 海南省 海口 0898 20.04 110.20 龙华区 美兰区
510100 四川省 成都 028 30.57 104.07 高新区 双流区 郫都区 龙泉驿区
520100 贵州省 贵阳 0851 26.65 106.63 观山湖区 白云区
530100 云南省 昆明 0871 24.88 102.83 官渡区 呈贡区
540100 西藏自治区 拉萨 0891 29.65 91.14 城关区 堆龙德庆区
610100 陕西省 西安 029 34.34 108.94 雁塔区 未央区 长安区
620100 甘肃省 兰州 0931 36.06 103.83 城关区 七里河区
630100 青海省 西宁 0971 36.62 101.78 城北区 城东区
640100 宁夏回族自治区 银川 0951 38.49 106.23 金凤区 兴庆区
650100 新疆维吾尔自治区 乌鲁木齐 0991 43.83 87.62 新市区 米东区
"""
CITIES = {
    code: ("" if province == "-" else province, city, area, float(lat), float(lng), tuple(districts))
    for code, province, city, area, lat, lng, *districts in (
        line.split() for line in _CITIES.strip().splitlines()
    )
}
# Province-level regions, for customers elsewhere in the province (the Region tree has no city
# for them): code, province, the capital's coordinates, cities with their area codes.
_PROVINCE_CITIES = """
130000 河北省 38.04 114.51 唐山:0315 保定:0312 廊坊:0316
140000 山西省 37.87 112.55 大同:0352 长治:0355
150000 内蒙古自治区 40.84 111.75 包头:0472 鄂尔多斯:0477
210000 辽宁省 41.80 123.43 鞍山:0412 营口:0417
220000 吉林省 43.82 125.32 吉林:0432 四平:0434
230000 黑龙江省 45.80 126.53 大庆:0459 齐齐哈尔:0452
320000 江苏省 32.06 118.80 常州:0519 南通:0513 徐州:0516 扬州:0514
330000 浙江省 30.27 120.16 温州:0577 嘉兴:0573 绍兴:0575 台州:0576
340000 安徽省 31.82 117.23 芜湖:0553 马鞍山:0555
350000 福建省 26.07 119.30 泉州:0595 漳州:0596
360000 江西省 28.68 115.86 赣州:0797 九江:0792
370000 山东省 36.65 117.12 烟台:0535 潍坊:0536 临沂:0539
410000 河南省 34.75 113.63 洛阳:0379 新乡:0373
420000 湖北省 30.59 114.31 襄阳:0710 宜昌:0717
430000 湖南省 28.23 112.94 株洲:0731 岳阳:0730
440000 广东省 23.13 113.26 惠州:0752 中山:0760 珠海:0756 江门:0750
450000 广西壮族自治区 22.82 108.37 柳州:0772 桂林:0773
460000 海南省 20.04 110.20 三亚:0898
510000 四川省 30.57 104.07 绵阳:0816 德阳:0838
520000 贵州省 26.65 106.63 遵义:0851
530000 云南省 24.88 102.83 曲靖:0874
540000 西藏自治区 29.65 91.14 日喀则:0892
610000 陕西省 34.34 108.94 宝鸡:0917 咸阳:029
620000 甘肃省 36.06 103.83 天水:0938
630000 青海省 36.62 101.78 海东:0972
640000 宁夏回族自治区 38.49 106.23 石嘴山:0952
650000 新疆维吾尔自治区 43.83 87.62 克拉玛依:0990
"""
PROVINCE_CITIES = {
    code: (province, float(lat), float(lng), tuple(tuple(city.split(":")) for city in cities))
    for code, province, lat, lng, *cities in (line.split() for line in _PROVINCE_CITIES.strip().splitlines())
}


def places_for(region_code: str) -> list[Place]:
    """The places a customer of ``region_code`` may be in (one for a city, several for a province)."""
    if region_code in CITIES:
        province, city, area, lat, lng, districts = CITIES[region_code]
        prefix = f"{province}{city}市" if province else f"{city}市"
        return [Place(region_code, prefix, city, area, lat, lng, districts + GENERIC_DISTRICTS[:2])]
    province, lat, lng, cities = PROVINCE_CITIES[region_code]
    return [
        Place(
            region_code,
            f"{province}{city}市",
            city,
            area,
            lat + 0.6 * (i - 1),
            lng + 0.5 * (i - 1),
            GENERIC_DISTRICTS,
        )
        for i, (city, area) in enumerate(cities)
    ]


_ROADS = """
人民路  建设路  解放路  中山路  科技路  创业路  工业大道  长江路  黄河路  滨江大道  文化路  新华路
和平路  胜利路  学府路  高新大道  发展大道  兴业路  开发大道  振兴路  东环路  西环路  南环路  北环路
光明路  幸福路  青年路  迎宾大道  世纪大道  金桥路  港城大道  汇通路  创新大道  智造大道  实业路  机场路
车站路  湖滨路  富民路  锦绣路
"""
ROADS = tuple(_ROADS.split())


def address(dice, place: Place) -> str:
    text = f"{place.prefix}{dice.choice(place.districts)}{dice.choice(ROADS)}{dice.randint(1, 2999)}号"
    roll = dice.random()
    if roll < 0.25:
        text += f"{dice.randint(1, 30)}栋"
    elif roll < 0.35:
        text += f"{dice.choice('ABCD')}座{dice.randint(1, 28)}{dice.randint(1, 20):02d}室"
    return text


# -- companies -----------------------------------------------------------------------------------

# Characters of trade names (字号) with their pinyin (for web and mail domains).
_CORE_CHARS = """
恒 heng  通 tong  华 hua  瑞 rui  东 dong  方 fang  金 jin  鼎 ding  远 yuan  航 hang  宏 hong  达 da
中 zhong  联 lian  天 tian  成 cheng  盛 sheng  隆 long  丰 feng  博 bo  明 ming  德 de  正 zheng
泰 tai  信 xin  海 hai  纳 na  润 run  嘉 jia  禾 he  永 yong  凯 kai  同 tong  创 chuang  精 jing
诚 cheng  启 qi  汇 hui  众 zhong  安 an  鑫 xin  源 yuan  兴 xing  昌 chang  荣 rong  富 fu  利 li
祥 xiang  和 he  新 xin  光 guang  辉 hui  宇 yu  星 xing  晨 chen  立 li  力 li  佳 jia  美 mei
康 kang  云 yun  峰 feng  林 lin  森 sen  威 wei  腾 teng  飞 fei  越 yue  亿 yi  万 wan  誉 yu  骏 jun
驰 chi  卓 zhuo  坤 kun  泓 hong  铭 ming  科 ke  锐 rui  欧 ou  菱 ling  巨 ju  豪 hao  凌 ling  致 zhi
泽 ze  合 he  茂 mao
"""
CORE_CHARS = dict(zip(*[iter(_CORE_CHARS.split())] * 2, strict=True))
_CORE_LIST = list(CORE_CHARS)

# Trades by industry (customers.models.Industry values), and how common each industry is among
# the customers of an industrial-equipment maker.
TRADES = {
    "manufacturing": ("精密机械", "重工机械", "机电设备", "智能制造", "五金制品", "模具", "液压设备", "精工"),
    "automotive": ("汽车零部件", "汽车配件", "车桥", "汽车电子", "新能源汽车部件"),
    "electronics": ("电子科技", "半导体", "光电", "电子元件", "电路板", "智能终端"),
    "energy": ("新能源", "电力设备", "光伏科技", "储能技术", "电气"),
    "construction": ("建设工程", "新型建材", "钢结构", "装配式建筑"),
    "logistics": ("物流", "供应链管理", "仓储服务", "冷链物流"),
    "retail": ("商贸", "日用品", "家居用品", "贸易"),
    "food": ("食品", "饮料", "乳业", "粮油", "食品机械"),
    "pharma": ("医药", "生物科技", "医疗器械", "制药"),
    "it": ("信息技术", "软件", "数据科技", "网络科技"),
    "finance": ("融资租赁", "投资管理"),
    "education": ("教育科技", "职业培训"),
    "government": ("城市建设投资", "产业园开发", "水务"),
    "other": ("实业", "环保科技", "包装材料", "纺织"),
}
INDUSTRY_WEIGHTS = {
    "manufacturing": 30,
    "automotive": 14,
    "electronics": 14,
    "energy": 8,
    "construction": 5,
    "logistics": 6,
    "retail": 3,
    "food": 6,
    "pharma": 6,
    "it": 3,
    "finance": 0.5,
    "education": 1,
    "government": 1,
    "other": 2.5,
}
SUFFIXES = (
    ("有限公司", 62),
    ("股份有限公司", 15),
    ("有限责任公司", 12),
    ("集团有限公司", 6),
    ("科技有限公司", 5),
)
_SUFFIX_WEIGHTS = []
_total_suffix = 0
for _suffix, _weight in SUFFIXES:
    _total_suffix += _weight
    _SUFFIX_WEIGHTS.append(_total_suffix)


@dataclass(frozen=True)
class CompanyName:
    name: str
    core: str  # 字号
    domain: str  # "hengtong.com.cn"


def company_name(dice, place: Place, industry: str, serial: int) -> CompanyName:
    """A company name in one of the usual shapes: 杭州恒通精密机械有限公司, 恒通精密机械（杭州）有限公司,
    or without the city. ``serial`` goes into the web domain, which must be unique."""
    a = dice.choice(_CORE_LIST)
    b = dice.choice(_CORE_LIST)
    while b == a:
        b = dice.choice(_CORE_LIST)
    core = a + b
    trade = dice.choice(TRADES[industry])
    suffix = SUFFIXES[_bisect(_SUFFIX_WEIGHTS, dice.random() * _total_suffix)][0]
    if suffix == "科技有限公司" and trade.endswith("科技"):
        suffix = "有限公司"
    roll = dice.random()
    if roll < 0.65:
        name = f"{place.short}{core}{trade}{suffix}"
    elif roll < 0.85:
        name = f"{core}{trade}（{place.short}）{suffix}"
    else:
        name = f"{core}{trade}{suffix}"
    domain = f"{CORE_CHARS[a]}{CORE_CHARS[b]}{_base36(serial)}.com.cn"
    return CompanyName(name=name, core=core, domain=domain)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


# -- identifiers ---------------------------------------------------------------------------------

_CODE_SPACE = 31**9


def credit_code(index: int, region_code: str, *, salt: int = 0, individual: bool = False) -> str:
    """A unified social credit code (GB 32100-2015) with a valid check character, unique per
    ``index``: the organisation part is a bijection of the index (a multiplier prime to 31)."""
    number = (index * 104729 + salt) % _CODE_SPACE
    body = []
    for _ in range(9):
        number, rest = divmod(number, 31)
        body.append(CREDIT_CODE_ALPHABET[rest])
    first17 = ("92" if individual else "91") + region_code[:6] + "".join(reversed(body))
    return first17 + credit_code_check_char(first17)


_MOBILE_PREFIXES = """
130  131  132  133  135  136  137  138  139  150  151  152  155  156  157  158  159  166  176  177  178
180  181  182  183  185  186  187  188  189  198  199
"""
MOBILE_PREFIXES = tuple(_MOBILE_PREFIXES.split())
_MOBILE_SPACE = len(MOBILE_PREFIXES) * 10**8
# Separate index ranges, so a contact, a lead and an employee never share a mobile number.
MOBILE_CONTACTS, MOBILE_LEADS, MOBILE_STAFF = 0, 400_000_000, 800_000_000


def mobile(index: int, *, salt: int = 0, styled: bool = False) -> str:
    """A mainland mobile number, unique per ``index``; ``styled`` writes it the way people type
    it ('138 0013 8000', '+86 138-0013-8000'), which normalize_phone reduces to the same key."""
    number = (index * 48271 + salt) % _MOBILE_SPACE
    prefix, rest = divmod(number, 10**8)
    digits = f"{MOBILE_PREFIXES[prefix]}{rest:08d}"
    if not styled:
        return digits
    if index % 2:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    return f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}"


def landline(index: int, area: str, *, salt: int = 0) -> str:
    """An office number '0571-87654321', unique per ``index`` (a bijection over 70 million)."""
    return f"{area}-{20_000_000 + (index * 7919 + salt) % 70_000_000}"


# -- what contacts do -----------------------------------------------------------------------------

CONTACT_TITLES = (
    ("总经理", "decision_maker", 10),
    ("副总经理", "decision_maker", 6),
    ("董事长", "decision_maker", 3),
    ("采购经理", "influencer", 14),
    ("采购专员", "user", 8),
    ("设备部经理", "influencer", 9),
    ("设备主管", "user", 8),
    ("技术总监", "influencer", 7),
    ("生产经理", "user", 9),
    ("厂长", "decision_maker", 5),
    ("财务总监", "decision_maker", 4),
    ("工程师", "user", 9),
    ("行政经理", "other", 3),
    ("项目经理", "influencer", 5),
)
