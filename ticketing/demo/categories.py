"""A three-level request catalogue in the style of GB/T 39666 (six-digit codes built 2 + 2 + 2).

Level 1 is ``XX0000``, level 2 ``XXYY00`` and level 3 (the leaves tickets are filed under) ``XXYYZZ``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CategoryDef:
    """One catalogue entry; the level and the parent follow from the code."""

    code: str
    name: str


CATEGORIES: tuple[CategoryDef, ...] = (
    CategoryDef("010000", "城乡建设"),
    CategoryDef("010100", "物业管理"),
    CategoryDef("010101", "物业服务与收费"),
    CategoryDef("010102", "电梯与共用设施维修"),
    CategoryDef("010200", "房产与住房保障"),
    CategoryDef("010201", "不动产登记"),
    CategoryDef("010202", "住房公积金"),
    CategoryDef("010203", "商品房交付与质量"),
    CategoryDef("020000", "交通运输"),
    CategoryDef("020100", "公共交通"),
    CategoryDef("020101", "公交线路与服务"),
    CategoryDef("020102", "出租车与网约车"),
    CategoryDef("020200", "公路管理"),
    CategoryDef("020201", "公路养护"),
    CategoryDef("030000", "市场监管"),
    CategoryDef("030100", "消费维权"),
    CategoryDef("030101", "商品与服务质量"),
    CategoryDef("030102", "预付卡退费"),
    CategoryDef("030200", "食品安全"),
    CategoryDef("030201", "餐饮与食品安全"),
    CategoryDef("030300", "市场主体登记"),
    CategoryDef("030301", "营业执照办理"),
    CategoryDef("040000", "劳动和社会保障"),
    CategoryDef("040100", "劳动权益"),
    CategoryDef("040101", "拖欠工资"),
    CategoryDef("040102", "劳动合同与用工"),
    CategoryDef("040200", "社会保险"),
    CategoryDef("040201", "养老保险"),
    CategoryDef("040202", "失业保险"),
    CategoryDef("040203", "社会保障卡"),
    CategoryDef("050000", "教育"),
    CategoryDef("050100", "招生入学"),
    CategoryDef("050101", "义务教育入学"),
    CategoryDef("050102", "学前教育"),
    CategoryDef("050200", "教育管理"),
    CategoryDef("050201", "校外培训与学校收费"),
    CategoryDef("060000", "卫生健康"),
    CategoryDef("060100", "医疗卫生"),
    CategoryDef("060101", "医疗服务"),
    CategoryDef("060102", "预防接种"),
    CategoryDef("060200", "医疗保障"),
    CategoryDef("060201", "医保参保缴费"),
    CategoryDef("060202", "医保报销与异地就医"),
    CategoryDef("070000", "生态环境"),
    CategoryDef("070100", "环境污染"),
    CategoryDef("070101", "废气与油烟污染"),
    CategoryDef("070102", "水体污染"),
    CategoryDef("070200", "噪声污染"),
    CategoryDef("070201", "建筑施工噪声"),
    CategoryDef("070202", "社会生活噪声"),
    CategoryDef("080000", "公共安全"),
    CategoryDef("080100", "治安与户籍"),
    CategoryDef("080101", "治安隐患"),
    CategoryDef("080102", "户籍与居住证"),
    CategoryDef("080200", "道路交通管理"),
    CategoryDef("080201", "违法停车"),
    CategoryDef("080202", "车驾管业务"),
    CategoryDef("080300", "消防安全"),
    CategoryDef("080301", "消防隐患"),
    CategoryDef("090000", "民政与社会救助"),
    CategoryDef("090100", "社会救助"),
    CategoryDef("090101", "低保与临时救助"),
    CategoryDef("090200", "养老与婚姻"),
    CategoryDef("090201", "养老服务"),
    CategoryDef("090202", "婚姻登记"),
    CategoryDef("100000", "公用事业"),
    CategoryDef("100100", "供水"),
    CategoryDef("100101", "停水与水压"),
    CategoryDef("100102", "水质与水费"),
    CategoryDef("100200", "供电"),
    CategoryDef("100201", "停电与用电"),
    CategoryDef("100300", "燃气与供热"),
    CategoryDef("100301", "燃气"),
    CategoryDef("100302", "供暖"),
    CategoryDef("110000", "城市管理"),
    CategoryDef("110100", "市容环卫"),
    CategoryDef("110101", "占道经营"),
    CategoryDef("110102", "垃圾清运"),
    CategoryDef("110200", "违法建设"),
    CategoryDef("110201", "违章搭建"),
    CategoryDef("110300", "市政设施"),
    CategoryDef("110301", "路灯"),
    CategoryDef("110302", "道路井盖与排水"),
)


# Leaf code → code of the CityDepartment (city.py) most likely responsible.
LEAF_DEPARTMENT: dict[str, str] = {
    "010101": "C02",  # 物业服务与收费 → 市住房和城乡建设局
    "010102": "C02",  # 电梯与共用设施维修 → 市住房和城乡建设局
    "010201": "C10",  # 不动产登记 → 市自然资源和规划局
    "010202": "C17",  # 住房公积金 → 市住房公积金管理中心
    "010203": "C02",  # 商品房交付与质量 → 市住房和城乡建设局
    "020101": "C20",  # 公交线路与服务 → 市公共交通集团
    "020102": "C08",  # 出租车与网约车 → 市交通运输局
    "020201": "C08",  # 公路养护 → 市交通运输局
    "030101": "C04",  # 商品与服务质量 → 市市场监督管理局
    "030102": "C04",  # 预付卡退费 → 市市场监督管理局
    "030201": "C04",  # 餐饮与食品安全 → 市市场监督管理局
    "030301": "C28",  # 营业执照办理 → 市政务服务管理局
    "040101": "C05",  # 拖欠工资 → 市人力资源和社会保障局
    "040102": "C05",  # 劳动合同与用工 → 市人力资源和社会保障局
    "040201": "C22",  # 养老保险 → 市社会保险事业服务中心
    "040202": "C22",  # 失业保险 → 市社会保险事业服务中心
    "040203": "C05",  # 社会保障卡 → 市人力资源和社会保障局
    "050101": "C07",  # 义务教育入学 → 市教育局
    "050102": "C07",  # 学前教育 → 市教育局
    "050201": "C07",  # 校外培训与学校收费 → 市教育局
    "060101": "C11",  # 医疗服务 → 市卫生健康委员会
    "060102": "C11",  # 预防接种 → 市卫生健康委员会
    "060201": "C06",  # 医保参保缴费 → 市医疗保障局
    "060202": "C06",  # 医保报销与异地就医 → 市医疗保障局
    "070101": "C09",  # 废气与油烟污染 → 市生态环境局
    "070102": "C09",  # 水体污染 → 市生态环境局
    "070201": "C03",  # 建筑施工噪声 → 市城市管理局（夜间施工审批与执法）
    "070202": "C01",  # 社会生活噪声 → 市公安局
    "080101": "C01",  # 治安隐患 → 市公安局
    "080102": "C01",  # 户籍与居住证 → 市公安局
    "080201": "C19",  # 违法停车 → 市公安局交通警察支队
    "080202": "C19",  # 车驾管业务 → 市公安局交通警察支队
    "080301": "C18",  # 消防隐患 → 市消防救援支队
    "090101": "C12",  # 低保与临时救助 → 市民政局
    "090201": "C12",  # 养老服务 → 市民政局
    "090202": "C12",  # 婚姻登记 → 市民政局
    "100101": "C16",  # 停水与水压 → 市自来水公司
    "100102": "C16",  # 水质与水费 → 市自来水公司
    "100201": "C14",  # 停电与用电 → 供电公司
    "100301": "C15",  # 燃气 → 燃气集团
    "100302": "C21",  # 供暖 → 热力公司
    "110101": "C03",  # 占道经营 → 市城市管理局
    "110102": "C03",  # 垃圾清运 → 市城市管理局
    "110201": "C03",  # 违章搭建 → 市城市管理局
    "110301": "C03",  # 路灯 → 市城市管理局
    "110302": "C02",  # 道路井盖与排水 → 市住房和城乡建设局（市政道路与排水设施）
}


# Leaf code → likely ticket types (TicketType values), most likely first.
LEAF_TYPES: dict[str, tuple[str, ...]] = {
    "010101": ("complaint", "consultation", "help", "suggestion", "praise"),
    "010102": ("help", "complaint", "consultation"),
    "010201": ("consultation", "complaint", "suggestion"),
    "010202": ("consultation", "complaint", "help", "suggestion", "praise"),
    "010203": ("complaint", "consultation", "help"),
    "020101": ("suggestion", "complaint", "consultation", "praise"),
    "020102": ("complaint", "help", "praise", "report"),
    "020201": ("help", "complaint", "report", "suggestion"),
    "030101": ("complaint", "report", "consultation"),
    "030102": ("complaint", "help", "consultation"),
    "030201": ("report", "complaint", "consultation"),
    "030301": ("consultation", "help", "praise"),
    "040101": ("help", "complaint", "report"),
    "040102": ("consultation", "complaint", "report"),
    "040201": ("consultation", "help", "complaint"),
    "040202": ("consultation", "help", "complaint"),
    "040203": ("consultation", "help", "praise"),
    "050101": ("consultation", "complaint", "suggestion"),
    "050102": ("consultation", "complaint", "report", "suggestion"),
    "050201": ("report", "complaint", "consultation"),
    "060101": ("complaint", "praise", "consultation", "suggestion"),
    "060102": ("consultation", "suggestion", "complaint"),
    "060201": ("consultation", "help"),
    "060202": ("consultation", "complaint", "help", "report"),
    "070101": ("complaint", "report", "help"),
    "070102": ("report", "complaint", "help"),
    "070201": ("complaint", "report", "help"),
    "070202": ("complaint", "help", "report"),
    "080101": ("report", "help", "suggestion"),
    "080102": ("consultation", "help", "praise"),
    "080201": ("complaint", "report", "suggestion"),
    "080202": ("consultation", "help", "suggestion"),
    "080301": ("report", "complaint", "help"),
    "090101": ("help", "consultation", "complaint", "report"),
    "090201": ("consultation", "help", "complaint", "suggestion", "praise"),
    "090202": ("consultation", "praise", "suggestion"),
    "100101": ("help", "complaint", "consultation", "praise"),
    "100102": ("complaint", "consultation", "help"),
    "100201": ("help", "complaint", "consultation", "praise"),
    "100301": ("help", "consultation", "complaint", "report"),
    "100302": ("complaint", "help", "consultation"),
    "110101": ("complaint", "report", "suggestion"),
    "110102": ("complaint", "help", "suggestion"),
    "110201": ("report", "complaint"),
    "110301": ("help", "complaint", "suggestion"),
    "110302": ("help", "complaint", "report", "praise"),
}
