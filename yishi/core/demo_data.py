"""Xihu District (西湖区), Hangzhou: the demo of the seed document. The streets and towns are the
real ones; the communities are a realistic set; every person the demo creates is invented and
marked（演示）."""

DISTRICT = {
    "code": "330106", "name": "西湖区", "name_en": "Xihu District",
    "description": (
        "杭州市西湖区人大常委会以“886”制度体系推进街道人大工作：街道居民议事会票选民生实事项目，"
        "代表联络站线上线下接待选民，选民意见闭环办理，街道预算和国有资产接受居民监督。"
    ),
    "description_en": (
        "The Standing Committee of the Xihu District People's Congress runs street-level People's "
        "Congress work under its \"886\" rules: resident deliberation councils vote the "
        "livelihood projects, deputies receive voters at liaison stations in person and online, "
        "residents' opinions are handled in a closed loop, and the streets' budgets and state "
        "assets are open to residents' supervision."
    ),
}

# (code suffix, kind, name, English, [(community, English), ...])
STREETS = [
    ("001", "street", "北山街道", "Beishan Street", [
        ("北山社区", "Beishan Community"), ("曙光社区", "Shuguang Community"),
        ("宝石社区", "Baoshi Community"), ("保俶塔社区", "Baochuta Community"),
        ("葛岭社区", "Geling Community"), ("栖霞社区", "Qixia Community"),
    ]),
    ("002", "street", "西溪街道", "Xixi Street", [
        ("求是社区", "Qiushi Community"), ("西溪社区", "Xixi Community"),
        ("文三社区", "Wensan Community"), ("学军社区", "Xuejun Community"),
        ("庆丰社区", "Qingfeng Community"), ("花园新村社区", "Huayuan Xincun Community"),
    ]),
    ("003", "street", "灵隐街道", "Lingyin Street", [
        ("灵隐社区", "Lingyin Community"), ("玉泉社区", "Yuquan Community"),
        ("金沙港社区", "Jinshagang Community"), ("九里松社区", "Jiulisong Community"),
        ("白乐桥社区", "Bailegiao Community"), ("茶叶社区", "Chaye Community"),
    ]),
    ("004", "street", "翠苑街道", "Cuiyuan Street", [
        ("翠苑一区社区", "Cuiyuan No. 1 Community"), ("翠苑二区社区", "Cuiyuan No. 2 Community"),
        ("翠苑三区社区", "Cuiyuan No. 3 Community"), ("翠苑四区社区", "Cuiyuan No. 4 Community"),
        ("翠苑五区社区", "Cuiyuan No. 5 Community"), ("学院路社区", "Xueyuan Road Community"),
        ("华星社区", "Huaxing Community"),
    ]),
    ("005", "street", "文新街道", "Wenxin Street", [
        ("文新社区", "Wenxin Community"), ("德加社区", "Dejia Community"),
        ("益乐社区", "Yile Community"), ("竞舟社区", "Jingzhou Community"),
        ("金都社区", "Jindu Community"), ("香樟社区", "Xiangzhang Community"),
        ("南都社区", "Nandu Community"),
    ]),
    ("006", "street", "古荡街道", "Gudang Street", [
        ("古荡新村社区", "Gudang Xincun Community"), ("古荡湾社区", "Gudangwan Community"),
        ("东岳社区", "Dongyue Community"), ("马塍路社区", "Machenglu Community"),
        ("嘉绿苑社区", "Jialüyuan Community"), ("西溪花园社区", "Xixi Huayuan Community"),
    ]),
    ("007", "street", "转塘街道", "Zhuantang Street", [
        ("转塘社区", "Zhuantang Community"), ("之江社区", "Zhijiang Community"),
        ("云栖社区", "Yunqi Community"), ("龙坞社区", "Longwu Community"),
        ("象山社区", "Xiangshan Community"), ("双流社区", "Shuangliu Community"),
        ("长埭村", "Changdai Village"), ("凤凰社区", "Fenghuang Community"),
    ]),
    ("008", "street", "留下街道", "Liuxia Street", [
        ("留下社区", "Liuxia Community"), ("屏基社区", "Pingji Community"),
        ("东穆坞社区", "Dongmuwu Community"), ("小和山社区", "Xiaoheshan Community"),
        ("杨家牌楼社区", "Yangjia Pailou Community"), ("西穆坞村", "Ximuwu Village"),
    ]),
    ("009", "street", "蒋村街道", "Jiangcun Street", [
        ("蒋村花园社区", "Jiangcun Huayuan Community"), ("龙章社区", "Longzhang Community"),
        ("晴川社区", "Qingchuan Community"), ("文鼎苑社区", "Wendingyuan Community"),
        ("蒋村社区", "Jiangcun Community"), ("五联社区", "Wulian Community"),
    ]),
    ("010", "street", "西湖街道", "Xihu Street", [
        ("龙井村", "Longjing Village"), ("满觉陇村", "Manjuelong Village"),
        ("梅家坞村", "Meijiawu Village"), ("翁家山村", "Wengjiashan Village"),
        ("双峰村", "Shuangfeng Village"), ("茅家埠社区", "Maojiabu Community"),
        ("玉皇山社区", "Yuhuangshan Community"),
    ]),
    ("101", "town", "三墩镇", "Sandun Town", [
        ("三墩社区", "Sandun Community"), ("振华社区", "Zhenhua Community"),
        ("古墩社区", "Gudun Community"), ("紫金港社区", "Zijingang Community"),
        ("西园社区", "Xiyuan Community"), ("绕城村", "Raocheng Village"),
    ]),
    ("102", "town", "双浦镇", "Shuangpu Town", [
        ("双浦社区", "Shuangpu Community"), ("灵山村", "Lingshan Village"),
        ("下杨村", "Xiayang Village"), ("新沙村", "Xinsha Village"),
        ("铜鉴湖社区", "Tongjianhu Community"), ("杨家村", "Yangjia Village"),
    ]),
]

OFFICES = [
    ("党政综合办公室", "General Office"),
    ("经济发展科", "Economic Development Section"),
    ("城市管理科", "Urban Management Section"),
    ("社会事务科", "Social Affairs Section"),
    ("财政所", "Finance Office"),
]
PLATFORMS = [  # Zhejiang's "four platforms" of grassroots governance
    ("综治工作平台", "Comprehensive Governance Platform"),
    ("市场监管平台", "Market Supervision Platform"),
    ("综合执法平台", "Integrated Law Enforcement Platform"),
    ("便民服务平台", "Public Service Platform"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = [
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建国", "建华", "志强", "文华", "海燕",
    "玉兰", "国平", "丽娟", "晓东", "春梅", "永强", "红霞", "卫东", "雪梅", "立新", "晓燕", "德明",
    "慧", "琳", "颖", "浩", "宇", "欣怡", "子涵", "梓轩", "一鸣", "思远",
]
DEMO_SUFFIX = "（演示）"
