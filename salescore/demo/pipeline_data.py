"""The demo sales data: catalogue, scripts (话术), the kinds of project customers buy and what
reps write about them. Plain tables; salescore.demo.pipeline turns them into records."""

from __future__ import annotations

from dataclasses import dataclass

from salescore.customers.models import Channel, Industry, Size

# -- the catalogue -------------------------------------------------------------------------------

CATEGORIES = [
    # code, Chinese, English
    ("cnc", "数控机床", "CNC machine tools"),
    ("robots", "工业机器人", "Industrial robots"),
    ("lines", "自动化产线", "Automated production lines"),
    ("inspection", "检测设备", "Inspection equipment"),
    ("service", "服务与备件", "Service and spare parts"),
]

FEATURES = [
    ("high-precision", "高精度", "High precision"),
    ("energy-saving", "节能", "Energy saving"),
    ("flexible", "柔性生产", "Flexible production"),
    ("remote-ops", "远程运维", "Remote operation and maintenance"),
    ("high-mix", "小批量多品种", "High mix, low volume"),
    ("heavy-payload", "大负载", "Heavy payload"),
    ("cleanroom", "洁净车间", "Cleanroom ready"),
    ("vision", "视觉检测", "Vision inspection"),
    ("fast-delivery", "快速交付", "Fast delivery"),
    ("local-service", "本地化服务", "Local service"),
    ("low-maintenance", "低维护成本", "Low maintenance cost"),
    ("data-capture", "数据采集", "Data capture"),
]

I = Industry  # noqa: E741  (short alias for the table below)
S = Size
BIG = [S.MEDIUM, S.LARGE, S.ENTERPRISE]


@dataclass(frozen=True)
class DemoProduct:
    code: str
    name: str
    name_en: str
    category: str
    list_price: str
    price_floor: str
    features: tuple[str, ...]
    industries: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    unit: str = "台"
    description: str = ""
    active: bool = True


PRODUCTS = [
    DemoProduct(
        "XH-5AX-800", "五轴联动加工中心", "5-axis machining centre", "cnc", "1280000", "1050000",
        ("high-precision", "flexible", "high-mix", "data-capture"),
        (I.MANUFACTURING, I.AUTOMOTIVE, I.ELECTRONICS, I.ENERGY), tuple(BIG),
        description="工作台Φ800mm，五轴联动，定位精度0.005mm；适合叶轮、模具和复杂结构件的一次装夹加工。",
    ),
    DemoProduct(
        "XH-VMC-850", "立式加工中心", "Vertical machining centre", "cnc", "368000", "310000",
        ("high-precision", "energy-saving", "fast-delivery"),
        (I.MANUFACTURING, I.AUTOMOTIVE, I.ELECTRONICS), (S.SMALL, S.MEDIUM, S.LARGE),
        description="行程850×500×550mm，主轴转速12000rpm，伺服节能系统比上一代省电约18%。",
    ),
    DemoProduct(
        "XH-CK-6150", "数控车床", "CNC lathe", "cnc", "186000", "152000",
        ("fast-delivery", "low-maintenance", "high-mix"),
        (I.MANUFACTURING, I.AUTOMOTIVE, I.ENERGY), (S.MICRO, S.SMALL, S.MEDIUM),
        description="最大回转直径Φ500mm，斜床身结构，常备库存，30天内交付。",
    ),
    DemoProduct(
        "XH-GMC-2518", "龙门加工中心", "Gantry machining centre", "cnc", "2150000", "1800000",
        ("high-precision", "heavy-payload"),
        (I.MANUFACTURING, I.ENERGY, I.CONSTRUCTION), (S.LARGE, S.ENTERPRISE),
        description="工作台2500×1800mm，承重12吨，适合大型箱体、机架和风电零件加工。",
    ),
    DemoProduct(
        "XH-R6-20", "六轴工业机器人（20kg）", "6-axis industrial robot (20 kg)", "robots", "268000", "225000",
        ("flexible", "high-precision", "low-maintenance"),
        (I.AUTOMOTIVE, I.ELECTRONICS, I.MANUFACTURING, I.FOOD), tuple(BIG),
        description="负载20kg，臂展1720mm，重复定位精度±0.03mm；焊接、上下料、打磨通用。",
    ),
    DemoProduct(
        "XH-R6-210", "重载六轴机器人（210kg）", "Heavy-duty 6-axis robot (210 kg)", "robots", "520000",
        "450000", ("heavy-payload", "flexible"),
        (I.AUTOMOTIVE, I.LOGISTICS, I.CONSTRUCTION, I.MANUFACTURING), (S.LARGE, S.ENTERPRISE),
        description="负载210kg，臂展2650mm；车身焊装、码垛搬运和重型工件上下料。",
    ),
    DemoProduct(
        "XH-SC-600", "SCARA机器人", "SCARA robot", "robots", "98000", "82000",
        ("high-precision", "cleanroom", "fast-delivery"),
        (I.ELECTRONICS, I.PHARMA, I.FOOD), (S.SMALL, S.MEDIUM, S.LARGE),
        description="臂展600mm，节拍0.38秒，洁净等级ISO 5，适合电子装配与分拣。",
    ),
    DemoProduct(
        "XH-COBOT-10", "协作机器人（10kg）", "Collaborative robot (10 kg)", "robots", "158000", "132000",
        ("flexible", "high-mix", "fast-delivery"),
        (I.ELECTRONICS, I.FOOD, I.PHARMA, I.RETAIL, I.MANUFACTURING), (S.SMALL, S.MEDIUM),
        description="人机协作无需围栏，拖拽示教，半天即可完成换线部署。",
    ),
    DemoProduct(
        "XH-AL-WELD", "汽车零部件焊装线", "Welding line for auto parts", "lines", "6800000", "5900000",
        ("flexible", "data-capture", "heavy-payload"), (I.AUTOMOTIVE,), (S.LARGE, S.ENTERPRISE),
        unit="条",
        description="8台焊接机器人加变位机与夹具，多车型共线生产，节拍60秒，焊点数据全程可追溯。",
    ),
    DemoProduct(
        "XH-AL-ASM", "电子装配自动化产线", "Electronics assembly line", "lines", "3600000", "3050000",
        ("cleanroom", "vision", "data-capture", "flexible"), (I.ELECTRONICS,), tuple(BIG), unit="条",
        description="上料、锁付、点胶、视觉检测与下料一体化，换型时间小于15分钟。",
    ),
    DemoProduct(
        "XH-AGV-1000", "AGV智能物流系统", "AGV intralogistics system", "lines", "1450000", "1200000",
        ("flexible", "remote-ops", "data-capture"),
        (I.LOGISTICS, I.MANUFACTURING, I.RETAIL, I.FOOD, I.AUTOMOTIVE), tuple(BIG), unit="套",
        description="10台潜伏式AGV加调度系统，与MES/WMS对接，支持远程监控与升级。",
    ),
    DemoProduct(
        "XH-VI-300", "机器视觉检测系统", "Machine vision inspection system", "inspection", "420000", "350000",
        ("vision", "high-precision", "data-capture"),
        (I.ELECTRONICS, I.AUTOMOTIVE, I.PHARMA, I.FOOD), (S.SMALL, S.MEDIUM, S.LARGE, S.ENTERPRISE),
        unit="套",
        description="深度学习缺陷检测，检出率99.5%以上，检测数据实时上传质量系统。",
    ),
    DemoProduct(
        "XH-CMM-1210", "三坐标测量机", "Coordinate measuring machine", "inspection", "760000", "640000",
        ("high-precision",), (I.MANUFACTURING, I.AUTOMOTIVE, I.ENERGY), tuple(BIG),
        description="测量范围1200×1000×800mm，示值误差(1.9+L/300)μm，恒温车间与现场两用。",
    ),
    DemoProduct(
        "XH-MES-LITE", "设备联网与数据采集系统", "Machine connectivity and data capture", "service",
        "280000", "230000", ("data-capture", "remote-ops"),
        (I.MANUFACTURING, I.ELECTRONICS, I.AUTOMOTIVE, I.PHARMA, I.FOOD), (S.SMALL, S.MEDIUM, S.LARGE),
        unit="套",
        description="采集设备状态、产量与能耗，OEE看板，支持主流数控系统与PLC。",
    ),
    DemoProduct(
        "XH-SVC-RM", "远程运维服务（年度）", "Remote maintenance service (yearly)", "service", "48000",
        "40000", ("remote-ops", "local-service", "low-maintenance", "data-capture"), unit="年",
        description="7×24小时远程诊断，季度巡检，故障4小时响应、24小时到场。",
    ),
    DemoProduct(
        "XH-SP-KIT", "关键备件包", "Critical spare parts kit", "service", "36000", "30000",
        ("local-service", "fast-delivery", "low-maintenance"), unit="套",
        description="主轴轴承、伺服驱动器、编码器等易损件，区域备件库48小时送达。",
    ),
    DemoProduct(
        "XH-CK-6140", "数控车床（旧款）", "CNC lathe (previous model)", "cnc", "158000", "130000",
        ("low-maintenance",), (I.MANUFACTURING,), (S.MICRO, S.SMALL), active=False,
        description="已由XH-CK-6150替代，仅余少量库存。",
    ),
]  # fmt: skip

# -- the standard scripts (话术), one per open stage, and two for products -------------------------

SCRIPTS = {
    "contact": (
        "初次接触标准话术",
        "您好，我是星海智能装备的（您的姓名）。我们专注数控机床、工业机器人和自动化产线十余年，"
        "服务过长三角、珠三角的上百家制造企业。了解到贵司近期在扩产/升级设备，"
        "想用十分钟了解一下贵司的生产情况，看看我们能否帮上忙。\n"
        "如果对方表示暂不需要：理解，我先把我们的案例资料发给您，后续有设备规划时再联系。",
        "确认对方身份、职务和决策角色\n了解公司主营产品与产能规模\n询问近期设备采购或改造计划\n"
        "约定下一次沟通时间（电话或拜访）\n在系统中记录联系人和本次沟通",
    ),
    "needs_analysis": (
        "需求分析访谈提纲",
        "开场：感谢抽出时间，今天主要想了解贵司的生产现状和痛点，方便我们给出有针对性的方案。\n"
        "1. 现在主要的产品和工艺是什么？瓶颈工序在哪里？\n2. 现有设备的品牌、年限和使用状况？\n"
        "3. 目前最困扰的问题：精度、效率、人工、换型还是维护？\n"
        "4. 项目的时间计划和预算范围？\n5. 哪些部门参与决策，最终由谁拍板？",
        "记录客户需求与痛点\n选择客户需要的产品特性\n确认预算范围\n确认决策人与决策流程\n"
        "确认项目时间表\n了解现有方案与竞争对手",
    ),
    "recommendation": (
        "产品推荐话术",
        "根据上次沟通，贵司最关心的是（客户最关心的特性）。我们推荐的方案是……，理由有三点：\n"
        "一是满足关键指标（给出参数对比）；二是同行业客户的成功案例（举一个同地区案例）；"
        "三是本地化服务，4小时响应。\n"
        "请客户确认：这个方向是否符合预期？还有哪些顾虑？",
        "推荐产品与需求特性逐条对应\n提供同行业案例\n说明价格区间（不低于底价）\n确认客户认可推荐方向",
    ),
    "presentation": (
        "方案展示与报价话术",
        "今天用30分钟演示方案：先回顾需求，再展示设备/产线的实际运行（视频或现场），"
        "然后讲投资回报：按贵司两班制测算，预计XX个月收回投资。\n"
        "报价说明：报价含设备、安装调试、培训和一年保修；付款方式可按3-6-1分期。\n"
        "遇到压价：先确认对方比较的配置是否一致，再强调交付周期与服务，不主动让价。",
        "按标准流程完成演示\n提交正式报价单\n说明交付周期与付款方式\n记录客户异议及应对\n约定答复时间",
    ),
    "order": (
        "订单确认话术",
        "感谢贵司的信任！为确保按期交付，和您确认几项订单信息：设备型号与数量、交货地点和时间、"
        "验收标准、付款节点、开票信息。确认无误后我们当天下单排产，销售支持会同步合同和发货计划。",
        "核对型号、数量和价格\n确认交货地点与时间\n确认验收标准与付款节点\n确认开票信息\n"
        "订单信息当天传递给销售支持和生产部门",
    ),
}

PRODUCT_SCRIPTS = [
    (
        "presentation",
        "XH-5AX-800",
        "五轴联动加工中心演示要点",
        "演示重点：一次装夹完成五面加工，对比三轴机床减少3次装夹、精度提升到0.005mm。\n"
        "请客户带一件典型零件来试切；现场展示叶轮加工视频与精度检测报告。\n"
        "常见疑问：编程难度——我们提供CAM后处理和两周驻场培训。",
        "准备客户典型零件的试切方案\n展示精度检测报告\n说明编程与培训支持\n给出与三轴方案的效率对比",
    ),
    (
        "recommendation",
        "XH-R6-20",
        "六轴机器人投资回报测算",
        "按客户每班替代2名操作工、两班制计算：人工成本约每年24万元，机器人工作站投资约35万元，"
        "约18个月收回投资；同时良率提升、夜班无人化。\n请客户提供现有节拍和人工数据，现场一起测算。",
        "收集现有节拍与人工数据\n现场完成投资回报测算\n推荐合适的夹具与外围设备",
    ),
]

# -- the kinds of project customers buy, and what they say about them --------------------------


@dataclass(frozen=True)
class Project:
    name: str
    features: tuple[str, ...]
    budget: tuple[int, int]  # yuan
    needs: str
    pains: tuple[str, ...]
    competitors: tuple[str, ...]


PROJECTS = {
    "cnc": Project(
        "数控设备升级项目",
        ("high-precision", "high-mix", "flexible", "fast-delivery", "energy-saving"),
        (300_000, 2_600_000),
        "现有加工设备老旧，计划更新一批加工中心，提升加工精度和换型效率。",
        ("老设备精度下降，废品率偏高", "订单小批量多品种，换型时间长", "熟练操作工难招", "设备能耗高"),
        ("海天精工", "DMG MORI", "马扎克", "沈阳机床"),
    ),
    "welding": Project(
        "焊接机器人工作站项目",
        ("flexible", "heavy-payload", "low-maintenance", "high-precision"),
        (500_000, 7_500_000),
        "焊接工序依赖人工，计划引入机器人焊接工作站，稳定焊接质量。",
        ("焊工流失严重，招工难", "焊缝质量不稳定，返修多", "新车型导入快，需要多车型共线"),
        ("库卡", "ABB", "发那科", "埃斯顿"),
    ),
    "handling": Project(
        "搬运码垛自动化改造",
        ("heavy-payload", "flexible", "energy-saving", "low-maintenance"),
        (400_000, 1_800_000),
        "成品下线搬运和码垛靠人工，计划改为机器人码垛，降低劳动强度。",
        ("人工搬运劳动强度大，工伤风险高", "旺季人手不足", "码垛不整齐，运输破损多"),
        ("新松", "安川", "埃斯顿"),
    ),
    "cleanroom": Project(
        "洁净车间装配自动化",
        ("cleanroom", "high-precision", "vision", "flexible"),
        (200_000, 4_000_000),
        "新建洁净车间，装配工序希望自动化，减少人员进出带来的污染。",
        ("人工装配一致性差", "洁净车间人员管理成本高", "产品换代快，产线需要柔性"),
        ("雅马哈", "爱普生", "大族激光"),
    ),
    "inspection": Project(
        "质量检测自动化项目",
        ("vision", "high-precision", "data-capture"),
        (350_000, 1_600_000),
        "成品外观和尺寸检测靠人工目检，计划引入视觉检测和三坐标测量。",
        ("人工目检漏检率高，客户投诉", "检测数据无法追溯", "质检人员培训周期长"),
        ("基恩士", "海克斯康", "康耐视"),
    ),
    "logistics": Project(
        "智能仓储物流项目",
        ("flexible", "remote-ops", "data-capture"),
        (1_000_000, 3_200_000),
        "车间与仓库之间物料转运靠叉车和人工，计划建设AGV物流系统。",
        ("物料配送不及时导致停线", "叉车通道拥堵，安全隐患", "库存数据不准确"),
        ("极智嘉", "海康机器人", "快仓"),
    ),
    "digital": Project(
        "设备联网与数字化项目",
        ("data-capture", "remote-ops"),
        (200_000, 700_000),
        "希望把车间设备联网，实时掌握设备状态、产量和能耗，为数字化工厂打基础。",
        ("设备利用率不清楚", "停机原因靠人工记录", "管理层看不到实时产量"),
        ("树根互联", "用友精智"),
    ),
    "service": Project(
        "设备运维服务合同",
        ("remote-ops", "local-service", "low-maintenance"),
        (40_000, 300_000),
        "现有设备过保，希望签订年度运维服务，减少非计划停机。",
        ("设备故障响应慢，停机损失大", "备件采购周期长", "缺少专业维修人员"),
        ("原厂服务", "本地维修商"),
    ),
    "newline": Project(
        "新工厂整线规划项目",
        ("flexible", "data-capture", "high-mix", "energy-saving"),
        (2_500_000, 8_000_000),
        "新工厂规划中，需要从加工、装配到检测的整线方案和分期实施计划。",
        ("新厂投产时间紧", "希望一次规划到位，避免后期改造", "需要供应商提供整体交钥匙方案"),
        ("库卡", "ABB", "西门子"),
    ),
}

INDUSTRY_PROJECTS = {
    I.MANUFACTURING: ["cnc", "cnc", "digital", "service", "handling", "inspection", "newline"],
    I.AUTOMOTIVE: ["welding", "welding", "cnc", "inspection", "handling", "newline"],
    I.ELECTRONICS: ["cleanroom", "cleanroom", "inspection", "digital", "logistics"],
    I.ENERGY: ["cnc", "service", "inspection", "handling"],
    I.CONSTRUCTION: ["handling", "cnc", "service"],
    I.LOGISTICS: ["logistics", "logistics", "handling"],
    I.FOOD: ["handling", "inspection", "logistics", "cleanroom"],
    I.PHARMA: ["cleanroom", "inspection", "digital"],
    I.RETAIL: ["logistics", "handling"],
    I.IT: ["digital", "service"],
}

WIN_REASONS = [
    "技术方案匹配度高，交付周期短",
    "本地化服务响应快，客户认可",
    "综合性价比优于竞品",
    "老客户复购，合作基础好",
    "现场试切/演示效果好，精度满足要求",
]
LOSS_REASONS = [
    "价格高于竞品，客户预算有限",
    "客户最终选择了进口品牌",
    "项目延期，预算冻结",
    "交付周期不满足客户要求",
    "客户内部决策变更，项目取消",
]
TIMELINES = ["一个月内", "本季度内", "三个月内", "半年内", "年底前"]

# Where visits happen: city centres by region code (province codes fall back to the capital).
COORDINATES = {
    "110000": (39.9042, 116.4074),
    "120000": (39.3434, 117.3616),
    "130000": (38.0428, 114.5149),
    "210200": (38.9140, 121.6147),
    "310000": (31.2304, 121.4737),
    "320000": (32.0603, 118.7969),
    "320100": (32.0603, 118.7969),
    "320200": (31.4912, 120.3119),
    "320500": (31.2989, 120.5853),
    "330000": (30.2741, 120.1551),
    "330100": (30.2741, 120.1551),
    "330200": (29.8683, 121.5440),
    "340000": (31.8206, 117.2272),
    "340100": (31.8206, 117.2272),
    "350100": (26.0745, 119.2965),
    "350200": (24.4798, 118.0894),
    "370100": (36.6512, 117.1201),
    "370200": (36.0671, 120.3826),
    "440000": (23.1291, 113.2644),
    "440100": (23.1291, 113.2644),
    "440300": (22.5431, 114.0579),
    "440600": (23.0215, 113.1214),
    "441900": (23.0207, 113.7518),
    "450000": (22.8170, 108.3665),
    "460000": (20.0440, 110.1999),
}


DEFAULT_PROJECTS = ["service", "cnc", "digital"]
CURRENT_SOLUTIONS = ["人工作业为主", "使用十年以上的国产设备", "部分进口设备，维护成本高", "关键工序外协加工"]

FIRST_TOUCH = {
    Channel.PHONE: "电话初次沟通，了解设备规划",
    Channel.EMAIL: "邮件介绍公司及产品资料",
    Channel.ONLINE: "官网在线咨询，客户留资",
    Channel.OFFLINE_EVENT: "工博会展台洽谈",
}
PRESENTATION_TOUCH = {
    Channel.VISIT: "现场方案演示与报价说明",
    Channel.OFFLINE_EVENT: "邀请客户参观样板工厂",
    Channel.ONLINE: "线上视频演示设备运行",
}
KEEP_WARM_TOUCH = {
    Channel.PHONE: "电话跟进项目进度",
    Channel.EMAIL: "邮件发送补充资料",
    Channel.ONLINE: "微信/在线沟通客户疑问",
    Channel.VISIT: "拜访客户，推进项目",
}
BETWEEN_TOUCHES = ["跟进项目进展", "答复客户技术问题", "同步内部审批进度", "微信沟通设备参数"]
NEXT_STEPS = {
    "contact": "预约拜访，了解设备规划",
    "needs_analysis": "补充收集工艺图纸和产能数据",
    "recommendation": "发送推荐方案并约技术交流",
    "presentation": "跟进报价反馈，安排样机演示",
    "order": "催签合同，确认首付款时间",
}
LOOSE_TOUCHES = [
    (Channel.OFFLINE_EVENT, "工博会展台交流", "对机器人产品感兴趣，索要了样册"),
    (Channel.PHONE, "例行电话回访", "暂无采购计划，明年有扩产打算"),
    (Channel.EMAIL, "发送新品资料与行业案例", "客户回复已转技术部"),
    (Channel.ONLINE, "线上技术研讨会参会", "参加了智能制造直播，提问了远程运维"),
]
