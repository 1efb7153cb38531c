"""What a new install ships: China's provinces (and main cities) and the policy's default tree."""

# (GB/T 2260 code, Chinese name, English name)
PROVINCES = [
    ("110000", "北京市", "Beijing"),
    ("120000", "天津市", "Tianjin"),
    ("130000", "河北省", "Hebei"),
    ("140000", "山西省", "Shanxi"),
    ("150000", "内蒙古自治区", "Inner Mongolia"),
    ("210000", "辽宁省", "Liaoning"),
    ("220000", "吉林省", "Jilin"),
    ("230000", "黑龙江省", "Heilongjiang"),
    ("310000", "上海市", "Shanghai"),
    ("320000", "江苏省", "Jiangsu"),
    ("330000", "浙江省", "Zhejiang"),
    ("340000", "安徽省", "Anhui"),
    ("350000", "福建省", "Fujian"),
    ("360000", "江西省", "Jiangxi"),
    ("370000", "山东省", "Shandong"),
    ("410000", "河南省", "Henan"),
    ("420000", "湖北省", "Hubei"),
    ("430000", "湖南省", "Hunan"),
    ("440000", "广东省", "Guangdong"),
    ("450000", "广西壮族自治区", "Guangxi"),
    ("460000", "海南省", "Hainan"),
    ("500000", "重庆市", "Chongqing"),
    ("510000", "四川省", "Sichuan"),
    ("520000", "贵州省", "Guizhou"),
    ("530000", "云南省", "Yunnan"),
    ("540000", "西藏自治区", "Xizang (Tibet)"),
    ("610000", "陕西省", "Shaanxi"),
    ("620000", "甘肃省", "Gansu"),
    ("630000", "青海省", "Qinghai"),
    ("640000", "宁夏回族自治区", "Ningxia"),
    ("650000", "新疆维吾尔自治区", "Xinjiang"),
    ("710000", "台湾省", "Taiwan"),
    ("810000", "香港特别行政区", "Hong Kong"),
    ("820000", "澳门特别行政区", "Macao"),
]

# Provincial capitals and the larger commercial cities; more can be added on the Regions page.
CITIES = [
    ("130100", "石家庄市", "Shijiazhuang"),
    ("140100", "太原市", "Taiyuan"),
    ("150100", "呼和浩特市", "Hohhot"),
    ("210100", "沈阳市", "Shenyang"),
    ("210200", "大连市", "Dalian"),
    ("220100", "长春市", "Changchun"),
    ("230100", "哈尔滨市", "Harbin"),
    ("320100", "南京市", "Nanjing"),
    ("320200", "无锡市", "Wuxi"),
    ("320500", "苏州市", "Suzhou"),
    ("330100", "杭州市", "Hangzhou"),
    ("330200", "宁波市", "Ningbo"),
    ("340100", "合肥市", "Hefei"),
    ("350100", "福州市", "Fuzhou"),
    ("350200", "厦门市", "Xiamen"),
    ("360100", "南昌市", "Nanchang"),
    ("370100", "济南市", "Jinan"),
    ("370200", "青岛市", "Qingdao"),
    ("410100", "郑州市", "Zhengzhou"),
    ("420100", "武汉市", "Wuhan"),
    ("430100", "长沙市", "Changsha"),
    ("440100", "广州市", "Guangzhou"),
    ("440300", "深圳市", "Shenzhen"),
    ("440600", "佛山市", "Foshan"),
    ("441900", "东莞市", "Dongguan"),
    ("450100", "南宁市", "Nanning"),
    ("460100", "海口市", "Haikou"),
    ("510100", "成都市", "Chengdu"),
    ("520100", "贵阳市", "Guiyang"),
    ("530100", "昆明市", "Kunming"),
    ("540100", "拉萨市", "Lhasa"),
    ("610100", "西安市", "Xi'an"),
    ("620100", "兰州市", "Lanzhou"),
    ("630100", "西宁市", "Xining"),
    ("640100", "银川市", "Yinchuan"),
    ("650100", "乌鲁木齐市", "Urumqi"),
]

# The policy's organisation (R1.1, R1.2), with each section's duty in its own words.
COMPANY = ("本公司", "Our Company")
DEPARTMENT = (
    "销售部",
    "Sales Department",
    "销售管理的核心部门，负责制定销售策略、管理销售团队和协调内外部资源。",
    "The core unit of sales management: sets the sales strategy, manages the sales team and "
    "coordinates internal and external resources.",
)
SECTIONS = [
    (
        "销售管理科",
        "Sales Management",
        "sales_management",
        "负责销售团队的日常管理，包括招聘、培训、考核和激励；制定科学合理的销售目标和计划，"
        "跟踪销售进度，定期分析销售业绩；协调销售团队与其他部门之间的沟通与合作。",
        "Runs the sales team day to day: recruiting, training, evaluation and incentives; sets "
        "targets and plans, tracks progress and analyses results periodically; coordinates the "
        "team with other departments.",
    ),
    (
        "市场拓展科",
        "Market Expansion",
        "market_expansion",
        "负责市场调研、产品推广和渠道建设；定期收集市场信息，分析竞争对手动态，提供市场预测和决策依据；"
        "策划并执行市场营销活动；建立和维护客户关系网络，拓展销售渠道。",
        "Market research, product promotion and channel building; collects market information "
        "and competitor moves and produces forecasts for decisions; plans and runs marketing "
        "campaigns; builds the customer network and new sales channels.",
    ),
    (
        "客户服务科",
        "Customer Service",
        "customer_service",
        "负责客户关系维护与售后服务：问题反馈、故障排除和客户回访，提升客户满意度。",
        "Maintains customer relationships and after-sales service: problem feedback, "
        "troubleshooting and return visits, measured by customer satisfaction.",
    ),
    (
        "销售支持科",
        "Sales Support",
        "sales_support",
        "负责销售辅助工作：报价、订单处理和单据管理，确保订单信息准确、及时反馈给相关部门并按时交付。",
        "Auxiliary sales work: quotes, order processing and documents, so that orders are "
        "complete, reach the departments concerned at once and are delivered on time.",
    ),
]
