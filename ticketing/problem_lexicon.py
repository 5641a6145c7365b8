"""Problem concepts of citizen requests and the words callers use for them.

Two tickets about the same problem rarely share wording ("路灯不亮" / "路灯坏了", "井盖缺失" /
"窨井盖不见了"), so duplicate detection compares the concepts named, not only the characters. The
list covers the everyday problems of a city hotline; it is data, extended as new wording shows up.
"""

from __future__ import annotations

PROBLEM_CONCEPTS: dict[str, tuple[str, ...]] = {
    "streetlight": ("路灯", "照明"),
    "traffic_light": ("红绿灯", "信号灯"),
    "manhole": ("井盖", "窨井"),
    "sewage_overflow": ("下水道", "污水井", "反冒", "冒脏水", "化粪池", "管道堵"),
    "water_outage": ("停水", "没水", "供水", "断水"),
    "pipe_burst": ("爆管", "水管爆", "爆裂", "冒水", "漏水"),
    "power_outage": ("停电", "没电", "断电", "跳闸"),
    "gas": ("燃气", "煤气", "天然气"),
    "heating": ("暖气", "供暖", "供热"),
    "waterlogging": ("积水", "水淹", "内涝", "排水不畅"),
    "garbage": ("垃圾", "清运", "环卫", "垃圾站", "中转点"),
    "noise": ("噪音", "噪声", "扰民", "吵", "喧哗", "音响", "唱歌", "睡不着"),
    "construction": ("工地", "施工", "打桩", "渣土"),
    "barbecue_fumes": ("烧烤", "油烟"),
    "street_vendor": ("占道", "摊贩", "摊位", "流动摊"),
    "illegal_building": ("违建", "违章建筑", "搭建", "铁皮房", "彩钢", "私搭乱建"),
    "road_damage": ("塌陷", "塌了", "坑洼", "大坑", "路面破损", "塌方", "泥土", "滑坡"),
    "fallen_tree": ("树倒", "大树", "行道树", "刮断", "树枝"),
    "parking": ("乱停", "停车", "占用车位", "堵塞道路"),
    "fire_lane": ("消防通道", "消防车道"),
    "elevator": ("电梯",),
    "property_fee": ("物业费", "收费"),
    "property_service": ("物业",),
    "pollution_water": ("排污", "黑水", "河水发臭", "暗管", "污水直排"),
    "pollution_air": ("废气", "异味", "臭气", "焚烧", "冒黑烟"),
    "livestock_waste": ("养猪", "养鸡", "粪污"),
    "taxi": ("出租车", "的士", "拒载", "网约车", "打车"),
    "bus": ("公交", "站台", "候车"),
    "guardrail": ("护栏", "隔离栏"),
    "public_toilet": ("厕所", "公厕", "卫生间"),
    "square_dance": ("广场舞",),
    "refund": ("退费", "退款", "跑路", "预付卡", "年卡"),
    "wage_arrears": ("欠薪", "拖欠工资", "工资"),
    "pension": ("养老金", "退休金"),
    "medical_insurance": ("医保", "报销"),
    "social_security": ("社保",),
    "housing_fund": ("公积金",),
    "school_enrolment": ("入学", "学位", "招生"),
    "food_safety": ("食品", "过期", "变质", "餐馆卫生"),
    "stray_animals": ("流浪狗", "流浪猫", "犬只", "狗"),
    "neighbour_dispute": ("楼上", "邻居", "拍篮球", "拖椅子"),
    "greenery": ("绿化带", "绿地", "草坪"),
    "river": ("河道", "河面", "河水"),
}

_KEYWORDS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        ((word, concept) for concept, words in PROBLEM_CONCEPTS.items() for word in words),
        key=lambda p: -len(p[0]),
    )
)


def concepts_in(text: str) -> frozenset[str]:
    return frozenset(concept for word, concept in _KEYWORDS if word in text)
