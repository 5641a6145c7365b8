"""The fictional prefecture-level city 云州市 (Yunzhou): districts, streets, communities and departments.

All names are invented for the demo; any resemblance to a real place is a coincidence. The telephone
area code 0889 is deliberately unassigned in China, so ``phonenumbers`` does not treat these landline
numbers as valid — give demo citizens mobile numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

CITY_NAME = "云州市"
PLATFORM_NAME = "云州市12345政务服务便民热线"
AREA_CODE = "0889"
SERVICE_CENTER = "云州市政务服务中心（云州市青澜区世纪大道188号）"


@dataclass(frozen=True)
class Community:
    """A community (社区) in a street, or a village (村) in a township."""

    name: str


@dataclass(frozen=True)
class Street:
    """A street office (街道, kind "street") or a town/township (镇/乡, kind "township")."""

    name: str
    kind: str
    communities: tuple[Community, ...]


@dataclass(frozen=True)
class District:
    """A district (区) or county (县) with its streets and its own departments."""

    code: str
    name: str
    streets: tuple[Street, ...]
    departments: tuple[str, ...]


@dataclass(frozen=True)
class CityDepartment:
    """A municipal bureau or public utility; ``handles`` lists the top-level category codes it covers."""

    code: str
    name: str
    phone: str
    handles: tuple[str, ...]


def _street(name: str, *communities: str) -> Street:
    return Street(name=name, kind="street", communities=tuple(Community(c) for c in communities))


def _town(name: str, *villages: str) -> Street:
    return Street(name=name, kind="township", communities=tuple(Community(v) for v in villages))


def _depts(district: str, *bureaus: str) -> tuple[str, ...]:
    return tuple(district + bureau for bureau in bureaus)


DISTRICTS: tuple[District, ...] = (
    District(
        code="D01",
        name="云溪区",
        streets=(
            _street("云溪街道", "云溪社区", "文庙社区", "青石巷社区", "南门社区", "鼓楼社区"),
            _street("望湖街道", "望湖社区", "柳岸社区", "湖滨社区", "荷花池社区"),
            _street("府前街道", "府前社区", "书院社区", "北门社区", "仓前社区", "钟楼社区"),
            _street("金桥街道", "金桥社区", "新华社区", "东风社区", "纺织社区"),
            _street("龙泉街道", "龙泉社区", "泉水社区", "凤凰社区", "桂花社区", "松园社区", "双塔社区"),
        ),
        departments=_depts(
            "云溪区",
            "住房和城乡建设局",
            "市场监督管理局",
            "城市管理综合行政执法局",
            "人力资源和社会保障局",
            "教育局",
            "卫生健康局",
        ),
    ),
    District(
        code="D02",
        name="青澜区",
        streets=(
            _street("青澜街道", "青澜社区", "澜园社区", "新城社区", "翠湖社区"),
            _street("世纪街道", "世纪社区", "世纪花园社区", "金融城社区", "锦绣社区"),
            _street("滨江街道", "滨江社区", "江湾社区", "观澜社区", "沙洲社区"),
            _street("长虹街道", "长虹社区", "彩虹社区", "虹桥社区", "春晓社区", "朝阳社区"),
            _street("玉兰街道", "玉兰社区", "紫薇社区", "丁香社区", "海棠社区"),
            _town("澜湾镇", "澜湾村", "沙头村", "芦荡村", "渡口村"),
        ),
        departments=_depts(
            "青澜区",
            "住房和城乡建设局",
            "市场监督管理局",
            "城市管理局",
            "人力资源和社会保障局",
            "教育局",
        ),
    ),
    District(
        code="D03",
        name="凤鸣区",
        streets=(
            _street("凤鸣街道", "凤鸣社区", "凤岗社区", "梧桐社区", "百鸟社区"),
            _street("铁路街道", "铁路新村社区", "站前社区", "机务段社区", "货场社区"),
            _street("工业园街道", "工业园社区", "机械厂社区", "化肥厂社区", "创业社区", "兴业社区"),
            _street("红星街道", "红星社区", "建设社区", "胜利社区", "光明社区", "团结社区"),
            _town("凤栖镇", "凤栖村", "上坝村", "下坝村", "石桥村", "杨家村"),
            _town("鸣泉镇", "鸣泉村", "泉塘村", "大湾村", "刘家坪村"),
        ),
        departments=_depts(
            "凤鸣区",
            "住房和城乡建设局",
            "市场监督管理局",
            "城市管理综合行政执法局",
            "人力资源和社会保障局",
            "应急管理局",
        ),
    ),
    District(
        code="D04",
        name="明湖区",
        streets=(
            _street("明湖街道", "明湖社区", "湖心社区", "镜湖社区", "明珠社区"),
            _street("大学城街道", "大学城社区", "学府社区", "博雅社区", "致远社区", "求是社区"),
            _street("科苑街道", "科苑社区", "创新社区", "软件园社区", "智谷社区"),
            _street("清河街道", "清河社区", "河畔社区", "桃源社区", "柳堤社区", "水磨社区"),
            _street("湖东街道", "湖东社区", "东湖湾社区", "东岸社区", "芳草社区"),
        ),
        departments=_depts(
            "明湖区",
            "住房和城乡建设局",
            "市场监督管理局",
            "城市管理局",
            "教育局",
            "卫生健康局",
        ),
    ),
    District(
        code="D05",
        name="澄湾区",
        streets=(
            _street("澄湾街道", "澄湾社区", "港湾社区", "海晏社区", "码头社区"),
            _street("港城街道", "港城社区", "海关社区", "保税社区", "船厂社区", "渔港社区"),
            _street("沙岗街道", "沙岗社区", "新沙社区", "白沙社区", "沙尾社区"),
            _street("望海街道", "望海社区", "观潮社区", "灯塔社区", "海韵社区", "听涛社区"),
            _town("澄浦镇", "澄浦村", "盐场村", "海堤村", "东滩村", "西滩村"),
        ),
        departments=_depts(
            "澄湾区",
            "住房和城乡建设局",
            "市场监督管理局",
            "城市管理综合行政执法局",
            "人力资源和社会保障局",
            "农业农村和水利局",
        ),
    ),
    District(
        code="D06",
        name="瑞泉区",
        streets=(
            _street("瑞泉街道", "瑞泉社区", "祥和社区", "福泉社区", "永安社区"),
            _street("新塘街道", "新塘社区", "荷塘社区", "塘东社区", "塘西社区", "莲花社区"),
            _street("高新街道", "高新社区", "电子城社区", "光电园社区", "智造社区"),
            _town("瑞丰镇", "瑞丰村", "丰收村", "稻香村", "马家庄村", "王家洼村"),
            _town("双河镇", "双河村", "河口村", "东河村", "西河村"),
        ),
        departments=_depts(
            "瑞泉区",
            "住房和城乡建设局",
            "市场监督管理局",
            "综合行政执法局",
            "社会事业局",
        ),
    ),
    District(
        code="D07",
        name="柳川县",
        streets=(
            _street("柳川街道", "柳川社区", "县前社区", "城南社区", "城北社区", "文昌社区"),
            _town("柳林镇", "柳林社区", "柳林村", "杨柳村", "上柳村", "下柳村"),
            _town("川口镇", "川口社区", "川口村", "河湾村", "石滩村"),
            _town("白鹤乡", "白鹤村", "鹤鸣村", "竹园村", "茶坪村"),
            _town("桃溪镇", "桃溪村", "桃花村", "溪口村", "李家村", "陈家湾村"),
        ),
        departments=_depts(
            "柳川县",
            "住房和城乡建设局",
            "市场监督管理局",
            "综合行政执法局",
            "人力资源和社会保障局",
            "教育体育局",
            "农业农村局",
        ),
    ),
    District(
        code="D08",
        name="青石县",
        streets=(
            _street("青石街道", "青石社区", "石城社区", "东关社区", "西关社区"),
            _town("石门镇", "石门社区", "石门村", "石佛村", "岩头村", "峡口村"),
            _town("黄坪镇", "黄坪村", "黄土坡村", "坪上村", "坪下村"),
            _town("龙潭乡", "龙潭村", "龙王庙村", "潭口村", "水井湾村"),
            _town("云岭镇", "云岭社区", "云岭村", "岭上村", "松林村", "茶园村"),
            _town("大营乡", "大营村", "前营村", "后营村"),
        ),
        departments=_depts(
            "青石县",
            "住房和城乡建设局",
            "市场监督管理局",
            "综合行政执法局",
            "人力资源和社会保障局",
            "农业农村局",
        ),
    ),
    District(
        code="D09",
        name="白岭县",
        streets=(
            _street("白岭街道", "白岭社区", "岭南社区", "岭北社区", "新村社区"),
            _town("银坑镇", "银坑社区", "银坑村", "矿山村", "老厂村"),
            _town("长岭镇", "长岭社区", "长岭村", "岭头村", "岭尾村", "板桥村"),
            _town("梨园乡", "梨园村", "梨花村", "果树村", "周家村"),
            _town("芦溪镇", "芦溪社区", "芦溪村", "溪东村", "溪西村", "沙坝村"),
        ),
        departments=_depts(
            "白岭县",
            "住房和城乡建设局",
            "市场监督管理局",
            "综合行政执法局",
            "教育体育局",
        ),
    ),
    District(
        code="D10",
        name="桐岭县",
        streets=(
            _street("桐岭街道", "桐岭社区", "桐荫社区", "新桐社区", "城关社区"),
            _street("东城街道", "东城社区", "迎宾社区", "兴桐社区"),
            _town("茶山镇", "茶山社区", "茶山村", "茶叶村", "高山村", "雾溪村"),
            _town("竹坪镇", "竹坪村", "竹林村", "楠竹村", "坪坝村"),
            _town("马鞍乡", "马鞍村", "马鞍山村", "鞍口村"),
            _town("水口镇", "水口社区", "水口村", "上水村", "下水村", "渡船村"),
        ),
        departments=_depts(
            "桐岭县",
            "住房和城乡建设局",
            "市场监督管理局",
            "综合行政执法局",
            "人力资源和社会保障局",
            "卫生健康局",
        ),
    ),
)


# Top-level category codes (see categories.py):
# 01 城乡建设  02 交通运输  03 市场监管  04 劳动和社会保障  05 教育  06 卫生健康
# 07 生态环境  08 公共安全  09 民政与社会救助  10 公用事业  11 城市管理
CITY_DEPARTMENTS: tuple[CityDepartment, ...] = (
    CityDepartment("C01", "云州市公安局", "0889-61100110", ("08", "07")),
    CityDepartment("C02", "云州市住房和城乡建设局", "0889-61203456", ("01", "11")),
    CityDepartment("C03", "云州市城市管理局", "0889-61212319", ("11", "07")),
    CityDepartment("C04", "云州市市场监督管理局", "0889-61312315", ("03",)),
    CityDepartment("C05", "云州市人力资源和社会保障局", "0889-61412333", ("04",)),
    CityDepartment("C06", "云州市医疗保障局", "0889-61512393", ("06",)),
    CityDepartment("C07", "云州市教育局", "0889-61601234", ("05",)),
    CityDepartment("C08", "云州市交通运输局", "0889-61712328", ("02",)),
    CityDepartment("C09", "云州市生态环境局", "0889-61812369", ("07",)),
    CityDepartment("C10", "云州市自然资源和规划局", "0889-61903366", ("01", "11")),
    CityDepartment("C11", "云州市卫生健康委员会", "0889-62012320", ("06",)),
    CityDepartment("C12", "云州市民政局", "0889-62112349", ("09",)),
    CityDepartment("C13", "云州市水务局", "0889-62203311", ("10", "07")),
    CityDepartment("C14", "国网云州供电公司", "0889-62395598", ("10",)),
    CityDepartment("C15", "云州燃气集团有限公司", "0889-62467890", ("10",)),
    CityDepartment("C16", "云州市自来水有限公司", "0889-62566666", ("10",)),
    CityDepartment("C17", "云州市住房公积金管理中心", "0889-62612329", ("01",)),
    CityDepartment("C18", "云州市消防救援支队", "0889-62796119", ("08",)),
    CityDepartment("C19", "云州市公安局交通警察支队", "0889-62812122", ("08", "02")),
    CityDepartment("C20", "云州市公共交通集团有限公司", "0889-62961234", ("02",)),
    CityDepartment("C21", "云州热力有限公司", "0889-63068888", ("10",)),
    CityDepartment("C22", "云州市社会保险事业服务中心", "0889-63112333", ("04", "06")),
    CityDepartment("C23", "云州市商务局", "0889-63201188", ("03",)),
    CityDepartment("C24", "云州市文化广电和旅游局", "0889-63312345", ("03",)),
    CityDepartment("C25", "云州市农业农村局", "0889-63412316", ("07", "03")),
    CityDepartment("C26", "云州市应急管理局", "0889-63512350", ("08",)),
    CityDepartment("C27", "云州市退役军人事务局", "0889-63601281", ("09",)),
    CityDepartment("C28", "云州市政务服务管理局", "0889-63712345", ("03", "01")),
    CityDepartment("C29", "云州市司法局", "0889-63812348", ("04",)),
    CityDepartment("C30", "国家税务总局云州市税务局", "0889-63912366", ("03", "04")),
)


ROAD_NAMES: dict[str, tuple[str, ...]] = {
    "云溪区": ("云溪路", "府前街", "鼓楼大街", "书院路", "望湖路", "金桥路", "龙泉大道", "南门街", "新华路"),
    "青澜区": ("青澜大道", "世纪大道", "滨江路", "长虹路", "玉兰路", "金融街", "翠湖路", "观澜路", "春晓路"),
    "凤鸣区": ("凤鸣路", "站前路", "铁路东路", "工业大道", "红星路", "胜利街", "建设路", "机械厂路"),
    "明湖区": ("明湖路", "学府路", "文华路", "科苑大道", "清河路", "湖东路", "博雅路", "创新路", "桃源街"),
    "澄湾区": ("港城大道", "澄湾路", "海晏路", "沙岗路", "望海路", "灯塔路", "船厂路", "保税区大道"),
    "瑞泉区": ("瑞泉大道", "祥和路", "新塘路", "荷塘街", "高新大道", "电子城路", "瑞丰路", "双河路"),
    "柳川县": ("柳川大道", "县前街", "文昌路", "城南路", "川口路", "桃溪路", "柳林街"),
    "青石县": ("青石大道", "东关街", "西关街", "石城路", "石门路", "黄坪街", "云岭路"),
    "白岭县": ("白岭大道", "岭南路", "岭北路", "新村路", "长岭街", "芦溪路", "银坑路"),
    "桐岭县": ("桐岭大道", "迎宾路", "东城路", "城关街", "茶山路", "水口街", "竹坪路", "桐花路"),
}


# Residential compounds: read naturally wherever a ticket text says {place} (…5栋2单元, …的物业).
RESIDENTIAL_COMPOUNDS: tuple[str, ...] = (
    "锦绣花园小区",
    "翠湖天地小区",
    "金桥新村",
    "望湖雅苑",
    "世纪华府",
    "滨江一号小区",
    "铁路新村",
    "书院名邸",
    "龙泉山庄",
    "学府花园",
    "明湖春晓小区",
    "凤鸣苑",
    "港城明珠小区",
    "海韵嘉园",
    "瑞泉家园",
    "荷塘月色小区",
)

# Markets, hospitals, schools, stations and parks.
PUBLIC_PLACES: tuple[str, ...] = (
    "东门农贸市场",
    "澄湾渔港市场",
    "柳川商贸城",
    "青石县农贸市场",
    "云州国际购物中心",
    "云州市第一人民医院",
    "云州市中医院",
    "云州市妇幼保健院",
    "白岭县人民医院",
    "云溪区实验小学",
    "云州市第三中学",
    "明湖区第二幼儿园",
    "云州大学",
    "云州火车站",
    "桐岭汽车客运站",
    "云州人民公园",
    "云州体育中心",
)

LANDMARKS: tuple[str, ...] = RESIDENTIAL_COMPOUNDS + PUBLIC_PLACES
