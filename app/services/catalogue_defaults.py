"""The default catalogue from DOMAIN.md: the "ten disorders" and the high-frequency
problems, with handler, icon, hint and starting SMS keywords. A city edits all of it as
data afterwards; codes are stable identifiers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    code: str
    grp: str
    name_zh: str
    name_en: str
    handler: str
    icon: str
    hint_zh: str
    hint_en: str
    keywords: tuple[str, ...]


T, H = "ten_disorders", "high_frequency"

CATALOGUE: tuple[Entry, ...] = (
    Entry("LD01", T, "乱搭", "Unauthorised sheds, stalls, canopies", "law_enforcement", "tent",
          "违规搭建的棚子、摊棚、遮阳篷", "Sheds, stalls or canopies put up without permission",
          ("搭建", "棚", "遮阳篷", "雨棚", "乱搭")),
    Entry("LD02", T, "乱建", "Illegal construction", "law_enforcement", "crane",
          "未经许可的违法建设", "Building work without a permit",
          ("违建", "违章建筑", "加建", "乱建", "私建")),
    Entry("LD03", T, "乱停", "Illegal motor-vehicle parking", "traffic_police", "car",
          "机动车占用人行道、盲道或消防通道", "Cars on the pavement, tactile paving or fire lanes",
          ("停车", "乱停", "占用人行道", "违停", "停在人行道")),
    Entry("LD04", T, "乱放", "Goods and debris stacked on public space", "road_chief", "box",
          "货物、杂物堆放占用公共空间", "Goods or debris piled up on public space",
          ("堆放", "杂物", "乱放", "占道堆物")),
    Entry("LD05", T, "乱牵", "Cables and wires strung illegally", "utilities", "cable",
          "私拉乱接的电线、网线", "Cables or wires strung without permission",
          ("电线", "飞线", "网线", "拉线", "乱牵")),
    Entry("LD06", T, "乱挂", "Banners, laundry, items hung on public facilities", "road_chief",
          "flag", "在树木、护栏、路灯上悬挂横幅、衣物",
          "Banners or laundry hung on trees, rails, lamps",
          ("横幅", "晾晒", "悬挂", "乱挂", "晒衣")),
    Entry("LD07", T, "乱扔", "Littering", "sanitation", "litter",
          "随手乱扔的垃圾、烟头", "Litter and cigarette ends",
          ("乱扔", "垃圾", "烟头", "纸屑")),
    Entry("LD08", T, "乱倒", "Dumped garbage or construction waste", "sanitation", "truck",
          "偷倒的生活垃圾或建筑渣土", "Dumped household rubbish or construction waste",
          ("倾倒", "渣土", "建筑垃圾", "乱倒", "偷倒")),
    Entry("LD09", T, "乱贴", "Illegal flyers and posters", "road_chief", "poster",
          "小广告、乱张贴", "Flyers, stickers and posters",
          ("小广告", "张贴", "乱贴", "牛皮癣")),
    Entry("LD10", T, "乱画", "Graffiti", "road_chief", "spray",
          "墙面、设施上的涂鸦、喷涂", "Graffiti or spray paint on walls and fittings",
          ("涂鸦", "乱画", "喷涂", "喷漆")),
    Entry("HF01", H, "占道经营", "Street trading that occupies the road", "law_enforcement",
          "stall", "流动摊贩、店外经营占用道路", "Hawkers or shops trading on the road",
          ("占道经营", "摊贩", "出店经营", "摆摊")),
    Entry("HF02", H, "共享单车乱停放", "Shared bikes parked in the way", "road_chief", "bike",
          "共享单车堵塞通道", "Shared bikes blocking the way",
          ("共享单车", "单车", "电单车", "自行车")),
    Entry("HF03", H, "园林绿化损毁", "Damaged greenery", "landscaping", "tree",
          "树木、绿地、花坛损坏", "Damaged trees, lawns or flower beds",
          ("绿化", "树木", "草坪", "花坛", "树倒")),
    Entry("HF04", H, "道路破损", "Broken road or pavement", "municipal_roads", "road",
          "路面坑槽、人行道板松动破损", "Potholes, loose or broken paving",
          ("坑", "路面", "破损", "塌陷", "人行道板")),
    Entry("HF05", H, "施工噪声", "Construction noise", "environment", "noise",
          "施工噪声扰民，特别是夜间", "Noise from building work, especially at night",
          ("噪声", "噪音", "施工", "扰民")),
    Entry("HF06", H, "盖子", "Missing or broken manhole cover", "municipal_roads", "manhole",
          "井盖缺失、破损、移位（安全隐患）", "Missing, broken or displaced manhole cover (hazard)",
          ("井盖", "窨井盖", "下水道盖")),
    Entry("HF07", H, "牌子", "Damaged or irregular signs", "law_enforcement", "sign",
          "招牌、路牌破损或设置不规范", "Damaged or irregular shop signs and road signs",
          ("招牌", "广告牌", "牌子", "路牌")),
    Entry("HF08", H, "柜子", "Utility cabinets", "utilities", "cabinet",
          "通信、电力等箱柜破损或占道", "Damaged or obstructive utility cabinets",
          ("柜子", "电箱", "配电箱", "交接箱")),
    Entry("HF09", H, "杆子", "Poles", "utilities", "pole",
          "废弃、倾斜或多余的杆子", "Disused, leaning or redundant poles",
          ("杆子", "电杆", "线杆", "废杆")),
    Entry("HF10", H, "亭子", "Kiosks", "law_enforcement", "kiosk",
          "报刊亭、售货亭破损或违规设置", "Damaged or unauthorised kiosks",
          ("亭子", "报刊亭", "售货亭", "岗亭")),
    Entry("HF99", H, "其他", "Anything else", "road_chief", "other",
          "其他街面问题", "Any other street problem", ("其他",)),
)

#: Agency handler keys and the name a district's unit carries.
HANDLERS: dict[str, tuple[str, str]] = {
    "law_enforcement": ("城管执法局", "Urban Management Law Enforcement Bureau"),
    "traffic_police": ("交警大队", "Traffic Police Brigade"),
    "utilities": ("管线协调办", "Utilities Coordination Office"),
    "sanitation": ("环卫所", "Sanitation Office"),
    "landscaping": ("园林局", "Landscaping Bureau"),
    "municipal_roads": ("市政设施所", "Municipal Roads Office"),
    "environment": ("生态环境分局", "Ecology and Environment Bureau"),
}
