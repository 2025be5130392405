"""Which catalogue entry a message is about, from keywords and synonyms.

The table is data: every catalogue entry brings its own keywords (a city edits them with
the catalogue) and this module adds synonyms, colloquial and English phrasings, each with
a weight: 3 for a phrase that names the problem ("乱停车", "井盖"), 2 for a clear sign of
it, 1 for an object that often comes with it ("货车", "电线杆"). Scoring:

* **overlap** — the longest phrase wins a stretch of text: "共享单车" is a bike, not the
  "单车" inside it; "建筑垃圾" is dumping, not the "垃圾" of littering; "电线杆" is a pole,
  not a wire. A phrase of weight 0 only claims its text ("垃圾桶" is not litter).
* **negation** — a phrase right after 不是/并非/而不是/not (in the same clause) does not
  count: "不是乱停车，是有人摆摊" is street trading.
* **place words** — an object followed by a place word (上/里/旁边/门口…) is where the
  problem is, not the problem: "电线杆上贴满了小广告", "垃圾丢草坪上" count the pole and the
  lawn for a fraction of their weight.
* **rules** — residents describe what they see rather than name it: "一排车压着盲道停",
  "剥了一圈皮的行道树", "往外砌了一间房". A rule (``RULES``) pairs a class of things with a
  class of what happens to them, in the same clause, in either order where the language
  allows it, and adds its weight once; words that contain a class word without being it
  ("单车" is not a car, "不停" does not park) are listed with the rule.
* **homophones and slips** — a phrase of weight ≥ 2.5 also matches text that reads the
  same in pinyin with at least one character in common ("井钙" is "井盖"): input methods
  pick the wrong character of the same sound.
* **the learnt model** — word lists only know the words someone thought of. A model learnt
  from labelled messages (``model.py``: character n-grams, logistic regression) reads the
  same message; its probabilities count 45 %, the rules' scores (as softmax shares)
  55 %. A message the rules found unclear becomes a report only when it names some
  problem word and the model is sure (a place or an acknowledgement is never a report).
  ``learn=False`` reads with the rules alone.
* the entry with the highest total wins; on a tie, the one mentioned first. Below
  ``threshold`` the message is unclear and the resident is asked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from workflows.sms.text import normalize, syllables

#: Code → ((phrase, weight), ...). Phrases in the normal form of ``text.normalize``.
SYNONYMS: Mapping[str, tuple[tuple[str, float], ...]] = {
    "LD01": (("乱搭", 3), ("私搭", 3), ("搭棚", 3), ("棚子", 3), ("铁皮棚", 3), ("遮阳棚", 3),
             ("遮阳篷", 3), ("雨棚", 3), ("帐篷", 1), ("搭了", 2), ("搭到", 2), ("搭建", 2),
             ("棚", 2), ("彩钢板", 1), ("简易房", 2), ("铁皮房", 2), ("私搭乱建", 3),
             ("shed", 3), ("canopy", 3), ("awning", 3), ("tent", 2),
             ("支了个", 2), ("钢架", 2), ("彩条布", 2), ("顶棚", 3), ("遮阳伞", 3), ("大伞", 2),
             ("支起", 2),
             ("雨搭", 3), ("铁架子", 2), ("架子", 1.5), ("窝棚", 3),
             ("搭起", 2), ("搭起来", 2), ("凉棚", 3), ("扎了个", 2), ("撑了个", 2), ("帆布", 2),
             ("塑料布", 2), ("油布", 2), ("遮雨", 3), ("挡雨", 3), ("撑了块", 2), ("铁皮", 1.5),
             ("篷布", 2), ("防雨布", 2), ("竹竿", 1.5)),
    "LD02": (("违建", 3), ("违章建筑", 3), ("违法建设", 3), ("加建", 3), ("乱建", 3),
             ("私建", 3), ("加盖", 3), ("加层", 3), ("扩建", 2), ("改建", 2), ("盖房", 3),
             ("打地基", 3), ("砌墙", 2), ("砖房", 2), ("彩钢房", 2), ("阳光房", 3),
             ("越盖越", 2), ("越建越", 2), ("盖成", 2),
             ("illegal construction", 4), ("illegal building", 4), ("added a whole floor", 3),
             ("added a floor", 3), ("extra floor", 3),
             ("added a room", 3), ("adding a room", 3), ("without permit", 2),
             ("without a permit", 2), ("permit", 1.5), ("extension", 1.5),
             ("楼顶", 1.5), ("加一层", 3), ("违章", 2), ("手续", 1.5), ("往外扩", 2), ("扩出", 2),
             ("圈地", 3),
             ("围墙", 2), ("车库", 1),
             ("砌", 2), ("砌死", 3), ("往外接", 2), ("往外搭", 2), ("往上加", 3), ("采光", 2),
             ("公示牌", 2), ("规划许可", 2), ("封阳台", 3), ("占为己有", 2), ("自家院子", 2),
             ("围起来", 2), ("往上搭", 3), ("打穿", 2), ("打通", 2), ("破墙", 3),
             ("往外延", 3), ("往外伸", 2), ("往外凸", 2), ("阳台", 1), ("说是他家", 2),
             ("说是他的", 2), ("承重墙", 3), ("栅栏", 1.5), ("菜园", 1.5)),
    "LD03": (("乱停", 3), ("乱停车", 3), ("违停", 3), ("违章停车", 3), ("停车", 2),
             ("停在人行道", 3), ("占用人行道停车", 3), ("开上人行道", 3), ("占道停放", 3),
             ("停满车", 3), ("停满了车", 3), ("停满了私家车", 3), ("停在", 2), ("车停", 2),
             ("停满", 1), ("停了", 1), ("辆车", 2), ("私家车", 2), ("小车", 1), ("轿车", 2),
             ("suv", 1), ("面包车", 1), ("货车", 1), ("出租车", 1), ("汽车", 1),
             ("车子", 1), ("渣土车", 1.5), ("斑马线", 2), ("双排停车", 3), ("停两排", 3),
             ("停成两排", 3), ("拉客", 2), ("等客", 2), ("趴活", 2),
             ("parked", 3), ("parking", 3), ("tow", 2), ("cars", 1), ("car", 1),
             ("消防通道", 2), ("挪车", 3), ("压着", 1), ("占着", 1),
             ("double parked", 4), ("double-parked", 4), ("blocking the road", 2),
             ("fire lane", 3), ("van", 1), ("truck", 1), ("blocking", 1.5), ("vans", 1),
             ("bike lane", 2), ("cycle lane", 2), ("block", 1.5),
             ("停车场", 0), ("车位", 0), ("四个轮子", 2), ("停路边", 2), ("奔驰", 1), ("宝马", 1),
             ("奥迪", 1), ("霸占", 1.5), ("都是车", 3), ("全是车", 3), ("满是车", 3),
             ("进不来", 1), ("救护车", 1), ("消防车", 1.5), ("开到人行道", 3)),
    "LD04": (("乱放", 3), ("乱堆", 3), ("堆放", 2), ("堆物", 3), ("占道堆物", 3),
             ("堆在", 3), ("堆满", 2), ("堆着", 2), ("堆了", 2), ("堆到", 2), ("杂物", 2),
             ("建材", 2), ("货物", 2), ("钢材", 2), ("放了一排", 2), ("石墩", 2),
             ("花盆", 2), ("煤气罐", 2), ("液化气罐", 2), ("家具", 1), ("床垫", 1),
             ("堆", 2), ("货箱", 3), ("箱子", 2), ("纸箱", 2), ("旧自行车", 2),
             ("破自行车", 2),
             ("piled", 3), ("piles", 3), ("bricks", 2), ("sundries", 2), ("stacked", 2),
             ("debris", 1),
             ("桌子", 1), ("搬家", 2), ("脚手架", 2), ("钢管", 2), ("木板", 1.5), ("轮胎", 2),
             ("装修材料", 3),
             ("材料", 1.5), ("沙子", 2), ("水泥", 1.5), ("砖头", 1.5), ("啤酒箱", 2),
             ("泡沫箱", 2), ("纸壳", 2),
             ("收废品", 2), ("旧家具", 1), ("不拿走", 1.5),
             ("堆得", 3),
             ("冰柜", 2), ("货架", 2),
             ("boxes", 2), ("goods", 2), ("stuff", 1.5), ("junk", 2),
             ("摞", 2), ("摞在", 3), ("码在", 3), ("码放", 3),
             ("码到", 3), ("卸货", 1.5), ("水泥墩", 3), ("墩子", 2), ("地锁", 3), ("躺椅", 2),
             ("放在人行道", 3), ("摆在人行道", 2),
             ("码得", 3), ("货包", 2)),
    "LD05": (("乱牵", 3), ("私拉", 3), ("飞线", 3), ("网线", 3), ("乱接", 2), ("缠满", 2),
             ("电线", 2),
             ("拉线", 2), ("拉了根", 2), ("拉了好几根", 2), ("牵了", 2), ("牵了根", 3),
             ("线缆", 2), ("拖了", 1), ("充电", 1),
             ("power cable", 3), ("cable", 2), ("cables", 2), ("wires", 2), ("strung", 2),
             ("电缆", 2), ("耷拉", 1), ("扯了根", 2), ("吊根", 2), ("插线板", 3), ("接线板", 3),
             ("充电线", 3),
             ("拖线板", 3), ("接了根", 2),
             ("wire", 2), ("hanging wires", 4), ("dangling", 1), ("extension cord", 3),
             ("插座线", 3), ("插排", 3), ("排插", 3), ("电源线", 3), ("黑线", 2)),
    "LD06": (("乱挂", 3), ("横幅", 3), ("条幅", 3), ("晾晒", 3), ("晒衣", 3), ("晾衣服", 3),
             ("晒衣服", 3), ("晒被子", 3), ("晾被子", 3), ("悬挂", 2), ("挂满", 3), ("挂着", 2),
             ("挂了", 2),
             ("晒了", 2), ("晾", 3), ("晒", 2), ("挂在", 3), ("被子", 1),
             ("床单", 2), ("布条", 2), ("红布", 2), ("腊鱼腊肉", 3), ("灯笼", 1),
             ("banners", 3), ("banner", 3), ("laundry", 3), ("hung", 2), ("hanging", 2),
             ("拖把", 1), ("腊肉", 2), ("腊鱼", 2), ("气球", 1), ("绳子", 1.5), ("晾衣绳", 3),
             ("晾衣架", 3), ("绑满", 3), ("绑了", 2), ("绑在", 3), ("绑的", 2),
             ("挂", 2), ("挂号", 0), ("挂念", 0), ("牵挂", 0), ("挂电话", 0), ("广告布", 2)),
    "LD07": (("乱扔", 3), ("乱丢", 3), ("扔垃圾", 3), ("扔东西", 3), ("扔得", 3), ("扔", 1.5),
             ("垃圾", 1.5), ("烟头", 3), ("纸屑", 3), ("随地", 2), ("槟榔渣", 3),
             ("瓜子壳", 3), ("果皮", 2), ("塑料袋", 1), ("饭盒", 2), ("竹签", 2), ("外卖袋", 2),
             ("奶茶杯", 2), ("纸碗", 2), ("矿泉水瓶", 2), ("满地", 2), ("没来扫", 2),
             ("地上都是", 2), ("垃圾桶", 0),
             ("littering", 3), ("litter", 3), ("rubbish", 2), ("trash", 2),
             ("plastic bags", 1),
             ("丢", 1.5), ("随手", 2), ("纸巾", 2), ("餐盒", 2), ("一次性", 1), ("瓶子", 1.5),
             ("杯子", 1),
             ("口香糖", 2), ("到处都是", 1),
             ("没人扫", 4), ("没得人扫", 4), ("扫", 1.5), ("扫码", 0),
             ("throw", 2), ("throwing", 2), ("thrown", 2), ("threw", 2), ("garbage", 1),
             ("cigarette", 2), ("butts", 2), ("everywhere", 1),
             ("烟屁股", 3), ("饮料瓶", 2), ("塞满", 1), ("甩", 1.5), ("往外甩", 3), ("往外扔", 3),
             ("往下丢", 3), ("往下扔", 3), ("狗屎", 3), ("狗粪", 3), ("狗便", 3), ("狗拉", 3)),
    "LD08": (("乱倒", 3), ("偷倒", 3), ("倾倒", 3), ("渣土", 3), ("建筑垃圾", 3),
             ("装修垃圾", 3), ("生活垃圾", 3), ("垃圾堆", 3), ("泔水", 3), ("剩饭剩菜", 3),
             ("废机油", 3),
             ("倒了", 2), ("倒进", 2), ("倒在", 2), ("倒", 1), ("倒下", 0), ("倒车", 0),
             ("倒是", 0), ("摔倒", 0), ("绊倒", 0), ("刮倒", 0), ("吹倒", 0), ("撞倒", 0),
             ("油污", 2), ("污水", 2), ("脏水", 2), ("废水", 2), ("堆垃圾", 3),
             ("撒了", 2), ("洒了", 2), ("抛洒", 3), ("遗撒", 3),
             ("沙发", 2), ("旧沙发", 3), ("旧家具", 2), ("废家具", 3), ("大件垃圾", 3),
             ("dumped", 3), ("dumping", 3), ("construction waste", 3), ("fly-tipping", 3),
             ("卸", 2.5), ("卸货", 0), ("卸在", 3),
             ("大袋", 2), ("几袋", 2), ("一车", 2), ("偷偷", 1),
             ("垃圾场", 2),
             ("倒满", 3), ("死鱼", 1), ("臭", 1), ("碎砖", 2),
             ("撒", 1), ("撒谎", 0), ("管撒", 0), ("看撒", 0), ("撒土", 3), ("漏土", 3),
             ("掉土", 3), ("waste", 1),
             ("泥浆", 3), ("排到", 1.5), ("排污", 3),
             ("马桶", 2), ("瓷砖", 1.5),
             ("烂家具", 3), ("破家具", 3), ("石膏板", 2), ("木料", 1.5),
             ("装修剩", 3), ("装修拆", 3), ("拆下来", 1.5), ("土堆", 3), ("倒东西", 3),
             ("泥巴", 2), ("泥巴车", 3), ("掉泥", 3), ("泼", 2), ("泼脏水", 3),
             ("油水", 2), ("地沟油", 3),
             ("编织袋", 2), ("一大堆垃圾", 3)),
    "LD09": (("小广告", 4), ("乱贴", 3), ("张贴", 3), ("牛皮癣", 3), ("野广告", 3),
             ("贴满", 3), ("贴了", 3), ("被贴", 3), ("贴得", 3), ("办证", 2), ("贷款广告", 2),
             ("喷印", 2), ("广告", 1),
             ("flyers", 3), ("flyer", 3), ("posters", 3), ("poster", 3), ("stickers", 3),
             ("sticking", 3), ("stuck", 2), ("pasted", 3), ("pasting", 3), ("ads", 2),
             ("adverts", 2), ("advertisements", 2),
             ("贴", 2.5), ("贴心", 0), ("贴近", 0), ("补贴", 0), ("贴士", 0), ("紧贴", 0),
             ("小卡片", 3),
             ("卡片", 2), ("纸条", 2), ("小纸条", 3), ("广告纸", 3), ("撕", 1.5), ("胶水", 1.5),
             ("租房", 1),
             ("开锁", 2), ("电话号码", 2), ("电话", 1.5)),
    "LD10": (("乱画", 3), ("乱涂", 3), ("画满", 3), ("涂满", 3), ("喷满", 3),
             ("乱喷", 3), ("涂鸦", 3), ("涂画", 3), ("喷涂", 3),
             ("喷漆", 3),
             ("喷了", 3), ("写了字", 3), ("写字", 2), ("刻了", 3), ("刻字", 3), ("记号笔", 3),
             ("油漆", 2), ("红漆", 3), ("写了", 2), ("写满", 3), ("乱写", 3),
             ("graffiti", 4), ("spray paint", 3), ("sprayed", 2), ("spray painted", 4),
             ("spray-painted", 4), ("tags", 2), ("painted", 2),
             ("马克笔", 3), ("粉笔", 2), ("涂了", 3), ("画了", 2),
             ("画得", 3), ("被画", 3), ("写得", 2), ("写上", 3), ("被人写", 3),
             ("喷得", 3), ("鬼画符", 3), ("花花绿绿", 1)),
    "HF01": (("占道经营", 4), ("摊贩", 3), ("小贩", 3), ("菜贩", 3), ("流动摊", 3),
             ("出店经营", 3), ("店外经营", 3), ("摆摊", 3), ("摆地摊", 3), ("地摊", 3),
             ("烧烤摊", 2), ("在卖", 4), ("摆着卖", 4), ("叫卖", 3), ("水果摊", 2), ("卖东西", 2),
             ("卖水果", 2),
             ("卖小吃", 2),
             ("卖货", 2), ("摆到", 2), ("摆出来", 2), ("摆在", 2), ("摆满", 2), ("桌椅", 2),
             ("早市", 2), ("夜市", 1), ("占道", 1), ("摊", 1.5), ("摊主", 1), ("摊子", 3),
             ("摊位", 3), ("早点摊", 2), ("小吃摊", 2), ("早餐摊", 2), ("炸串", 2), ("烤串", 2),
             ("street vendors", 4), ("vendors", 3), ("hawkers", 3), ("hawker", 3),
             ("selling", 2), ("stalls", 2),
             ("卖", 2.5), ("外卖", 0), ("小卖部", 0), ("买卖", 0), ("卖场", 0), ("拍卖", 0),
             ("出卖", 0),
             ("推车", 1.5),
             ("小推车", 2), ("过早", 1), ("板凳", 1),
             ("food stalls", 4), ("stall", 2),
             ("烧烤", 1.5), ("炉子", 1.5), ("油锅", 2), ("油条", 2), ("大锅", 1.5),
             ("food carts", 4), ("carts", 2), ("cart", 2), ("sellers", 3), ("sell", 2)),
    "HF02": (("共享单车", 4), ("共享电单车", 4), ("单车", 3), ("电单车", 3), ("自行车", 2),
             ("单车乱停", 4), ("自行车乱停", 4), ("小黄车", 3), ("哈啰", 3), ("美团单车", 4),
             ("摩拜", 3), ("青桔", 3),
             ("shared bikes", 4), ("shared bike", 4), ("bikes", 2), ("bike", 2),
             ("小蓝车", 3), ("扫码", 1), ("电动车", 1), ("电瓶车", 1)),
    "HF03": (("绿化", 2), ("绿化带", 0.5), ("绿化带被", 3), ("绿化被毁", 3), ("树木", 2),
             ("草坪", 3), ("草皮", 3), ("花坛", 3), ("灌木", 3), ("树倒", 3), ("大树", 2),
             ("树被", 3), ("行道树", 1), ("树皮", 3), ("树枝", 3), ("枝丫", 2), ("修秃", 3),
             ("撞断", 2),
             ("枯死", 3), ("补种", 2), ("开荒种菜", 3), ("种菜", 3), ("砍", 2),
             ("锯", 3), ("树桩", 3), ("棵", 1.5), ("树", 1), ("砍伐", 3), ("花草", 3),
             ("草地", 3), ("花池", 3), ("压坏", 1),
             ("tree fell", 4), ("trees", 2), ("tree", 2), ("lawn", 2), ("flower beds", 4),
             ("flower bed", 4), ("flowerbeds", 4), ("flowerbed", 4), ("plants", 2),
             ("hedge", 3), ("hedges", 3), ("grass", 2), ("crushed", 1),
             ("剥皮", 3), ("挖走", 1.5), ("树苗", 2), ("苗木", 2), ("枯", 2)),
    "HF04": (("道路破损", 4), ("坑", 2), ("坑洼", 3), ("路面", 2), ("破损", 2), ("塌陷", 3),
             ("人行道板", 3), ("人行道砖", 3), ("砖松了", 3),
             ("地砖松动", 3), ("地砖", 1), ("开裂", 3), ("路沿石", 3),
             ("盲道砖", 3), ("颠", 2), ("回填", 2), ("积水", 1), ("翘起来", 1),
             ("pothole", 4), ("broken", 1.5), ("pavement", 1), ("potholes", 4),
             ("road surface", 3), ("broken road", 3), ("hole", 2), ("holes", 2),
             ("tiles", 2), ("loose", 1.5), ("wobbly", 2), ("tripped", 1),
             ("马路", 1), ("裂", 2), ("裂缝", 3), ("裂开", 3), ("下陷", 3), ("凹陷", 3),
             ("陷下去", 3), ("沉降", 3), ("塌了", 2), ("洞", 2), ("桥洞", 0), ("涵洞", 0),
             ("山洞", 0),
             ("窟窿", 2), ("黑洞洞", 0),
             ("cracked", 2), ("crack", 2), ("cracks", 2), ("sinking", 2), ("sinkhole", 4),
             ("鼓包", 3), ("鼓起", 2), ("水凼", 2), ("锥桶", 1), ("沥青", 2),
             ("collapsed", 2), ("uneven", 2), ("paving", 1),
             ("拱起", 3), ("拱起来", 3), ("凸起", 3), ("凸起来", 3), ("不平", 2), ("高一块低", 3),
             ("摔一跤", 1), ("摔跤", 1),
             ("崴", 1), ("绊倒", 1), ("走马路", 0), ("走机动车道", 0)),
    "HF05": (("噪声", 3), ("噪音", 3), ("扰民", 3), ("施工", 2), ("工地", 2), ("打桩", 3),
             ("夜间施工", 4), ("半夜施工", 4), ("晚上施工", 4), ("夜里施工", 4), ("吵", 2),
             ("吵得", 3), ("太吵", 3), ("电镐", 3), ("轰", 2), ("刺耳", 3), ("睡不着", 3),
             ("吵醒", 3),
             ("noise", 3), ("noisy", 3), ("can't sleep", 3), ("building site", 2),
             ("construction site", 2), ("construction", 2), ("drilling", 3), ("jackhammer", 3),
             ("pile driving", 3), ("banging", 2), ("midnight", 1), ("sleep", 1.5),
             ("电钻", 3), ("挖机", 2), ("切割", 2), ("轰隆", 2), ("机器", 1), ("浇混凝土", 3),
             ("吱吱", 1),
             ("咚咚", 1.5), ("轰轰", 2), ("砸墙", 3), ("电锯", 3), ("切割机", 3),
             ("通宵", 2), ("响了一夜", 2), ("睡不了", 3), ("午觉", 2), ("午休", 2),
             ("没法睡", 3)),
    "HF06": (("井盖", 4), ("盖子", 3), ("窨井盖", 4), ("下水道盖", 4),
             ("篦子", 4), ("箅子", 4), ("雨水篦子", 4), ("雨水箅子", 4), ("盖板", 3),
             ("沟盖", 3), ("格栅", 3), ("铁盖子", 4), ("污水井", 3),
             ("污水井盖", 4), ("雨水井", 3), ("雨水井盖", 4),
             ("manhole cover", 4), ("manhole", 4), ("drain cover", 4), ("drain grate", 4),
             ("grate", 3),
             ("井口", 3), ("铁盖", 4), ("水井盖", 4),
             ("下水道口", 3), ("雨水口", 2), ("铁板", 2), ("不见了", 1),
             ("铁格子", 3), ("井篦", 4)),
    "HF07": (("招牌", 3), ("广告牌", 3), ("牌子", 2), ("路牌", 3), ("路名牌", 3),
             ("指示牌", 3), ("指路牌", 3), ("广告招牌", 3),
             ("shop sign", 3), ("signboard", 3), ("billboard", 3), ("sign", 2), ("signs", 2),
             ("灯箱", 3), ("店招", 3), ("门头", 2), ("牌匾", 3),
             ("标志牌", 3), ("标牌", 3), ("交通标志", 3), ("站牌", 1)),
    "HF08": (("柜子", 3), ("电箱", 3), ("配电箱", 3), ("交接箱", 3), ("配电柜", 3),
             ("机柜", 3), ("变电箱", 3), ("电力箱", 3), ("快递柜", 3), ("铁皮柜", 3),
             ("弱电柜", 3), ("柜门", 3), ("电箱柜", 3),
             ("cabinet", 3), ("electrical box", 3), ("utility box", 4),
             ("electric box", 3), ("power box", 3),
             ("通信柜", 3), ("电信箱", 3), ("光交箱", 3), ("变压器", 3), ("电表箱", 3),
             ("铁箱子", 2.5), ("铁皮箱子", 2.5), ("铁盒子", 2.5), ("配电", 2),
             ("配电房", 3), ("嗡嗡", 1.5)),
    "HF09": (("快倒了", 1.5), ("要倒了", 1.5), ("歪了", 1), ("摇摇欲坠", 2), ("斜了", 1),
             ("about to fall", 2), ("leaning", 1),
             ("杆子", 3), ("电杆", 3), ("线杆", 3), ("废杆", 3), ("电线杆", 1.5),
             ("监控杆", 3), ("路灯杆", 2), ("通信杆", 3), ("水泥杆", 3),
             ("utility pole", 3), ("poles", 2), ("pole", 2), ("lamp posts", 1),
             ("lamp post", 1),
             ("旗杆", 2), ("杆", 1.5), ("栏杆", 0)),
    "HF10": (("亭子", 3), ("报刊亭", 4), ("书报亭", 4), ("售货亭", 4), ("售卖亭", 4),
             ("早餐亭", 4), ("电话亭", 4), ("岗亭", 4), ("亭", 2),
             ("kiosk", 4), ("kiosks", 4), ("newsstand", 4), ("news stand", 4),
             ("报亭", 4), ("邮亭", 4), ("彩票亭", 4)),
    "HF99": (("广场舞", 4), ("音乐", 2), ("音响", 3), ("音箱", 3), ("放音乐", 3),
             ("square dancing", 4),
             ("square dance", 4), ("loudspeaker", 4), ("loud music", 4),
             ("其他", 1), ("路灯", 2), ("流浪狗", 3), ("流浪猫", 2), ("下水道堵", 3),
             ("大喇叭", 4), ("喇叭", 3), ("公共厕所", 3), ("公厕", 3), ("厕所", 3),
             ("僵尸车", 4), ("年没动", 3), ("年都没动", 3), ("年没挪", 3), ("轮胎都瘪", 2),
             ("烧落叶", 3), ("烧垃圾", 4), ("狗", 2), ("遛狗", 0),
             ("焚烧", 3), ("烧纸", 3),
             ("消防栓", 3),
             ("漏水", 2), ("水管", 3), ("爆管", 4), ("自来水", 3), ("冒水", 3),
             ("burst pipe", 4), ("water main", 4), ("pipe burst", 4),
             ("street lights", 3), ("street light", 3), ("streetlight", 3),
             ("stray dogs", 3), ("stray dog", 3),
             ("电梯", 3), ("扶梯", 2), ("天桥", 1), ("按喇叭", 0), ("喇叭按", 0),
             ("street lamp", 3), ("streetlamp", 3), ("lamp", 1.5), ("stray", 2),
             ("红绿灯", 3), ("信号灯", 3), ("座椅", 2), ("长椅", 2), ("马蜂窝", 3), ("死猫", 3),
             ("死狗", 3),
             ("老鼠", 2), ("垃圾桶满", 3), ("满溢", 2),
             ("大屏幕", 3), ("光污染", 4), ("晃眼", 3), ("刺眼", 2), ("淹", 2), ("淹了", 3),
             ("内涝", 4), ("led", 1.5), ("空调外机", 3), ("滴水", 2), ("滑梯", 3),
             ("健身器材", 3), ("秋千", 2)),
}

# Word classes the rules below are built from (normal form of ``text.normalize``).
_CARS = ("车", "奔驰", "宝马", "奥迪", "汽车",
         "小车", "小汽车", "轿车", "私家车", "货车", "大货车", "小货车", "面包车",
         "车子", "车辆", "出租车", "的士", "网约车", "厢式货车", "越野车", "商务车", "卡车",
         "皮卡", "大巴", "suv", "四个轮子")
_NOT_CARS = ("单车", "自行车", "电动车", "电瓶车", "三轮车", "推车", "小推车", "摩托车", "公交车",
             "渣土车", "垃圾车", "洒水车", "车道", "机动车道", "非机动车道", "车库", "车主",
             "开车", "骑车", "上车", "下车", "停车场", "车位", "车轮", "车窗", "火车", "车站",
             "火车站", "汽车站", "动车", "高铁",
             "车流", "车辆段", "婴儿车", "推婴儿车", "购物车", "手推车", "被车撞", "被车压",
             "被车刮")
_TWO_WHEELS = ("单车", "自行车", "电动车", "电瓶车", "小黄车", "小蓝车", "共享单车", "电单车")
_PARK = ("停", "停放", "停着", "停满", "停了", "占", "堵在", "挡在", "堵住", "挡住", "堵起",
         "堵着", "堵死", "堵了", "挡死", "挡着")
# Where a car may not stand.
_WAYS = ("人行道", "盲道", "斑马线", "消防通道", "非机动车道", "公交站台", "公交车站")
_NOT_PARK = ("不停", "停止", "暂停", "停工", "停电", "停水", "停业", "停不下来", "没停")
_GREEN = ("树", "行道树", "大树", "小树", "树苗", "灌木", "花", "花草", "草", "草坪", "草地",
          "冬青", "月季", "黄杨", "绿篱", "樟树", "梧桐",
          "绿化带", "绿化", "花坛", "花池", "枝子", "树枝", "树干", "树皮", "苗木")
_NOT_GREEN = ("花楼街", "花了", "搞花", "花钱", "花园路", "树立", "草草")
_HARM_GREEN = ("砍", "剥", "挖", "拔", "撞断", "折断", "断了", "死了", "死", "秃", "毁", "踩",
               "压坏", "压秃", "压死", "铲", "锯", "烧", "剪秃", "扒", "偷", "刮倒", "吹倒", "撞倒",
               "倒了", "倒在")
_SURFACE = ("路面", "马路", "人行道", "路牙", "路牙子", "路牙石", "路沿", "路沿石", "地砖",
            "人行道砖", "路砖", "沥青", "盲道", "地面", "那段路", "这段路", "柏油", "砖", "地板砖",
            "砖块")
_BROKEN = ("碎", "烂", "坏", "裂", "塌", "陷", "沉", "翘", "松", "鼓", "坑", "破", "凹", "凸",
           "断", "缺", "掉了", "少了")
_NOT_BROKEN = ("破碎路面", "碎砖", "碎瓷砖", "坏人", "烂尾", "砖头", "砖墙", "砌砖", "碎砖头",
               "瓷砖", "红砖", "砖房")
_BUILD = ("砌", "盖", "搭", "建", "扩", "改成", "改建", "围", "圈", "起", "接出")
_NOT_BUILD = ("起来", "一起", "起床", "看起", "对不起", "想起", "了起", "起步", "起码", "起风",
              "起飞", "引起", "提起", "说起", "比起", "起火", "盖了层", "盖了一层", "盖着")
_STRUCTURE = ("房", "房子", "屋", "墙", "砖墙", "院墙", "层", "楼", "一间", "院子", "住房", "阁楼",
              "平房", "砖房")
_NOT_STRUCTURE = ("房东", "楼上", "楼下", "楼顶上", "厨房")
_MARK = ("涂", "写", "画", "喷", "刻")
_MARKS = ("字", "画", "漆", "图案", "标语", "广告语")
_NIGHT = ("半夜", "深夜", "凌晨", "夜里", "晚上", "通宵", "一大早", "大清早", "早上五点",
          "早上六点", "十一点", "十二点", "一两点", "两三点", "夜间", "周末", "整晚", "一夜")
_WORKS = ("施工", "干活", "打桩", "修路", "破碎", "切割", "挖机", "挖掘机", "电钻", "机器",
          "浇", "混凝土", "钢筋", "搅拌", "还在", "开工", "敲", "砸")
_BOXES = ("箱子", "铁皮箱", "铁皮箱子", "箱", "柜子", "柜", "铁柜", "电箱", "配电箱")
_NOT_BOXES = ("啤酒箱", "泡沫箱", "纸箱", "垃圾箱", "拖着箱子", "行李箱", "冰箱", "箱子堆",
              "灯箱")
_POLES = ("杆", "杆子", "电线杆", "电杆", "线杆", "路灯杆", "灯杆", "监控杆", "水泥杆",
          "通信杆", "电线杆子")
_WIRES = ("线", "电线", "黑线", "插座线", "电源线", "网线", "线缆", "电缆", "光纤", "充电线")
_NOT_WIRES = ("线杆", "电线杆", "电线杆子", "路线", "线路", "公交线", "一线", "在线", "线上",
              "斑马线", "地铁线", "视线", "光线", "线索", "直线", "二号线", "号线", "沿线",
              "拉客", "接人", "接送", "接孩子", "拖把", "拖鞋", "拖车", "横幅", "吊车")
_SELL = ("卖", "叫卖", "吆喝", "摆卖", "卖菜", "卖水果")
# Where a seller stands or what a seller sells from ("三轮车在路边卖西瓜", "人行道上卖菜").
_SELL_FROM = ("三轮车", "三轮", "推车", "小推车", "板车", "后备箱", "路边", "路口", "人行道",
              "马路边", "门口", "桥下", "地上", "街边", "摊")
_NOT_SELL = ("外卖", "小卖部", "买卖", "卖场", "拍卖", "出卖", "卖萌")
_UTILITY = ("电信", "联通", "移动", "电力", "供电", "通信", "线", "电线", "线路", "门开",
            "柜门", "锈", "嗡嗡", "漏电", "电")


@dataclass(frozen=True)
class Rule:
    """``weight`` for ``code`` when a word of ``what`` and a word of ``does`` stand in the
    same clause at most ``reach`` characters apart (``what`` first unless ``either``).
    ``not_words`` contain a class word without being it and claim their text. A ``what``
    before a place word counts for a fraction, unless ``where``: the rule is about a
    place ("人行道上全是车")."""

    code: str
    weight: float
    what: tuple[str, ...]
    does: tuple[str, ...]
    reach: int = 10
    either: bool = True
    not_words: tuple[str, ...] = ()
    where: bool = False


RULES: tuple[Rule, ...] = (
    # A car and parking, in either order ("一排车压着盲道停", "停满了汽车").
    Rule("LD03", 3, _CARS, _PARK, 12, True, _NOT_CARS + _TWO_WHEELS + _NOT_PARK),
    # A car where a car may not stand ("人行道上全是车").
    Rule("LD03", 2.5, _WAYS, _CARS, 8, True, _NOT_CARS + _TWO_WHEELS, where=True),
    # A bike, shared or not, left in the way ("人行道上停了一排电动车", "单车堆在路口").
    Rule("HF02", 2.5, _TWO_WHEELS, _PARK + ("堆", "倒了", "横七竖八", "乱七八糟", "占", "扔",
                                          "横", "到处"), 10,
         True, _NOT_PARK + ("充电",)),
    # Greenery and what harms it ("行道树被剥了一圈皮", "草都死了").
    Rule("HF03", 2.5, _GREEN, _HARM_GREEN, 8, True, _NOT_GREEN),
    # A road or pavement and its damage ("马路烂了一大块", "路牙石都碎了").
    Rule("HF04", 2.5, _SURFACE, _BROKEN, 6, True, _NOT_BROKEN),
    # Building a structure ("往外砌了一间房", "用彩钢板搭房子", "砌砖墙").
    Rule("LD02", 3, _BUILD, _STRUCTURE, 6, False, _NOT_STRUCTURE + _NOT_BUILD + ("建设",)),
    # Marks on a surface ("涂了好多字", "写满了字和画").
    Rule("LD10", 3, _MARK, _MARKS, 8, False, ("写字楼", "画面", "计划")),
    # Works at night or at dawn ("晚上十二点了还在打桩", "凌晨还在浇混凝土").
    Rule("HF05", 3, _NIGHT, _WORKS, 14, True),
    # A utility box open, leaning, humming ("铁皮箱子门开着 里面线都露出来了").
    Rule("HF08", 3, _BOXES, _UTILITY, 12, True, _NOT_BOXES + ("线上", "电瓶车", "电动车")),
    # A pole leaning, rusted through, broken ("路灯杆底座锈断了", "电线杆歪了要倒").
    Rule("HF09", 2.5, _POLES, ("歪", "斜", "倒", "晃", "断", "锈", "倾", "裂"), 8, False,
         ("栏杆", "旗杆", "倒是", "杆上", "杆子上")),
    # A wire strung, trailing or lying across ("线从窗户顺到地上", "拉了好几根黑线").
    Rule("LD05", 2.5, _WIRES, ("拉", "牵", "扯", "顺", "横", "拖", "吊", "接", "缠", "绕", "跨",
                               "垂", "耷拉", "乱七八糟", "悬"),
         8, True, _NOT_WIRES),
    # Goods filling a way ("整条人行道都是店里的货", "楼道里全是杂物").
    Rule("LD04", 2.5, _WAYS + ("过道", "楼道", "巷子", "通道"),
         ("货", "杂物", "箱子", "材料", "家具", "纸箱"), 10, True,
         ("货车", "东西南北"), where=True),
    # A bin overflowing ("垃圾桶早就满了").
    Rule("HF99", 3, ("垃圾桶", "垃圾箱", "果皮箱"), ("满", "溢", "冒出来"), 6, False),
    # Setting up a stall ("摆水果摊", "支了个小摊").
    Rule("HF01", 2, ("摆", "支", "出"), ("摊", "摊子", "摊位"), 5, False, ("出摊", "摆摊")),
    # A drain blocked ("雨水口被树叶堵住了").
    Rule("HF99", 3, ("下水道", "雨水口", "排水口", "下水口", "排水沟", "水沟"),
         ("堵", "不通", "漫", "冒"), 8, False),
    # Selling from a cart or at the roadside ("开个三轮车在路边卖西瓜").
    Rule("HF01", 2.5, _SELL_FROM, _SELL, 8, True, _NOT_SELL, where=True),
)

#: Words for the state a thing is in (sunk, cracked, leaning). They belong to the thing
#: named before them in the same clause: in "窨井盖往下陷 比路面低" the cover sank, and
#: a sunken cover is a cover problem, not a road problem.
_CONDITIONS = frozenset((
    "下陷", "陷下去", "塌陷", "凹陷", "沉降", "塌了", "开裂", "裂", "裂缝", "裂开", "破损",
    "翘起来", "鼓包", "鼓起", "拱起", "拱起来", "歪了", "斜了", "快倒了", "要倒了",
    "摇摇欲坠", "broken", "cracked", "crack", "sinking", "collapsed", "leaning"))
#: The catalogue's fixtures: things that themselves sink, crack or lean.
_FIXTURES = frozenset(("HF06", "HF07", "HF08", "HF09", "HF10"))
_CONDITION_REACH = 8  # characters between the thing and its state

#: Place words: an object right before one is where the problem is ("电线杆上", "草坪上").
_PLACE_AFTER = re.compile(r"(上(?![了去来班学])|里(?!面有)|旁边|边上|底下|下面|门口|附近|中间|"
                          r"之间|周围|前面|后面|外面|那里|那边)")
_PLACE_FACTOR = 0.4
# A verb before 上 is a verb ("贴上", "挂上"), not a place.
_VERBS = frozenset("贴挂晒晾卖扔丢堆倒卸撒摆停搭砍锯画喷刻写涂")
# Nor is a verb with its complement ("码在门口", "堆到路上", "停满门口").
_LOCATIVE = frozenset("在到满")
#: A clause about what was already dealt with ("原来的违停已经处理好了，现在有人摆摊"):
#: its phrases count for a fraction.
_RESOLVED = re.compile(r"修好|处理好|处理了|已处理|解决了|已解决|清理干净|清走了|上次|谢谢")
_RESOLVED_FACTOR = 0.3
#: A turn ("但是", "结果", "现在"): what comes after it is the complaint, what came before
#: is the background ("以前老有人乱停车 现在变成有人摆摊"). When the clauses from the turn on
#: name a problem clearly by themselves, the earlier clauses count for a fraction (not when
#: they only add a detail to the thing named before: "以前卖彩票的亭子 现在锁着 里面塞满了杂物").
_TURN = re.compile(r"但是|可是|不过|结果|现在|后来|如今|没想到|谁知|哪知|but |now |then ")
_BACKGROUND_FACTOR = 0.4
_TURN_CLEAR = 3  # what follows the turn names a problem clearly by itself
_MODIFIER_REACH = 16
_MODIFIER_FACTOR = 0.5

NEGATIONS = ("不是", "并非", "而不是", "不属于", "不算", "not ", "isn't ", "no longer ")
_NEGATION_REACH = 4  # characters between a negation and the phrase it denies
_CLAUSE_BREAK = re.compile(r"[，,。.!！?？;；\n]")
_ASCII = re.compile(r"[a-z]")
_CJK_ONLY = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
# Characters too common to make two words of the same sound one word ("铁了" is not "贴了").
_LIGHT = set("了着得在到的被满一子个有地上下人大小车路门口边里不来去打开好多天和头面")
_SOUND_WEIGHT = 2.5
# The blend of rules and learnt model: the rules' share, the softmax temperature of their
# scores, and how sure the model must be to settle a message the rules found unclear. Chosen
# on the older held-out parts held2-held4 (so those are no longer untouched by tuning) and
# on the unit rules; held5-held7 were not used to choose them.
_RULE_SHARE = 0.55
_BLEND_TEMPERATURE = 2.0
_MODEL_ALONE = 0.6
_MODEL_AGREES = 0.4  # ... or, where the rules lean the same way without reaching threshold
_PINYIN_WEIGHT = 2
_LATIN_WORD = re.compile(r"[a-z]+")
# A phrase with a particle spells English words in pinyin ("码得" made, "撒了" sale);
# so do a few others.
_PARTICLES = set("了得着在的到")
_ENGLISH_SPELLINGS = frozenset(("lake", "dale", "tale", "bangle", "cane", "mane", "lane"))


@dataclass(frozen=True)
class Classification:
    code: str | None  # None: unclear, ask the resident
    score: float = 0.0
    matched: tuple[str, ...] = ()  # the phrases that counted, in text order
    runner_up: str | None = None
    scores: Mapping[str, float] = field(default_factory=dict)

    @property
    def clear(self) -> bool:
        return self.code is not None


class Classifier:
    """Built once from the catalogue (``entries``: code → keywords) and reused. The learnt
    model is trained from ``examples`` ((message, code) pairs; the shipped ones by default)
    unless ``learn`` is false."""

    def __init__(self, entries: Mapping[str, Iterable[str]] | Iterable[tuple[str, Iterable[str]]],
                 synonyms: Mapping[str, Iterable[tuple[str, float]]] = SYNONYMS,
                 threshold: float = 1.5, default_weight: float = 2.0,
                 rules: Iterable[Rule] = RULES, place_names: Iterable[str] = (),
                 learn: bool = True, examples: Iterable[tuple[str, str]] | None = None):
        pairs = entries.items() if isinstance(entries, Mapping) else entries
        self.order: dict[str, int] = {}
        weights: dict[tuple[str, str], float] = {}
        for code, keywords in pairs:
            self.order.setdefault(code, len(self.order))
            for keyword in keywords:
                phrase = normalize(keyword)
                if phrase:
                    weights[(phrase, code)] = max(weights.get((phrase, code), 0), default_weight)
        for code, phrases in synonyms.items():
            if code not in self.order:  # a city may switch an entry off
                continue
            for phrase, weight in phrases:
                weights[(normalize(phrase), code)] = weight  # the table's weight is deliberate
        # A place's name is not a problem word ("洞庭街" has no hole, "徐家棚" no shed): the
        # names of roads and landmarks claim their text with no weight.
        first = next(iter(self.order), None)
        phrases = {p for p, _c in weights}
        self._places: set[str] = set()
        for name in place_names:
            key = normalize(name)
            if first is not None and len(key) >= 2 and _CJK_ONLY.match(key) \
                    and key not in phrases:
                weights[(key, first)] = 0
                self._places.add(key)
        self._weights: dict[str, list[tuple[str, float]]] = {}
        for (phrase, code), weight in weights.items():
            self._weights.setdefault(phrase, []).append((code, weight))
        # One regular expression, longest phrases first: a single pass finds, at each
        # place in the message, the longest phrase that starts there; what it covers is
        # not read again (that is how "共享单车" hides its "单车").
        self._pattern = re.compile("|".join(
            re.escape(p) for p in sorted(self._weights, key=lambda p: (-len(p), p))))
        self.threshold = threshold
        self.rules = [(rule, _class_pattern(rule)) for rule in rules if rule.code in self.order]
        # Phrases that name a problem, by their sound, for the input method's wrong
        # character of the same sound.
        self._sounds: dict[tuple[str, ...], list[str]] = {}
        for phrase, codes in self._weights.items():
            if (2 <= len(phrase) <= 5 and _CJK_ONLY.match(phrase)
                    and max(w for _c, w in codes) >= _SOUND_WEIGHT
                    and not _LIGHT & set(phrase)):
                self._sounds.setdefault(tuple(syllables(phrase) or ()), []).append(phrase)
        self._sound_lengths = sorted({len(k) for k in self._sounds}, reverse=True)
        # The same phrases typed in toneless pinyin ("jinggai", "dai kuan"): residents
        # whose phone has no Chinese input, or who type a word they cannot write.
        self._pinyin: dict[str, str] = {}
        for phrase, codes in self._weights.items():
            if (2 <= len(phrase) <= 5 and _CJK_ONLY.match(phrase)
                    and max(w for _c, w in codes) >= _PINYIN_WEIGHT
                    and not _PARTICLES & set(phrase)):
                key = "".join(syllables(phrase) or ())
                for spelling in {key, key.replace("v", "u")}:
                    if (len(spelling) >= 4 and spelling not in self._weights
                            and spelling not in _ENGLISH_SPELLINGS):
                        self._pinyin.setdefault(spelling, phrase)
        # The learnt model (``model.py``), from the shipped examples and every phrase that
        # names a problem here (the catalogue's keywords and the synonyms' strong words).
        self.model = None
        if learn:
            from workflows.sms.model import train

            strong: dict[str, list[str]] = {code: [] for code in self.order}
            for phrase, codes in self._weights.items():
                for code, weight in codes:
                    if weight >= self.threshold and phrase not in self._places:
                        strong[code].append(phrase)
            self.model = train(sorted((c, sorted(p)) for c, p in strong.items()),
                               place_names=self._places, labelled=examples)

    def classify(self, text: str) -> Classification:
        norm = normalize(text)
        hits: list[tuple[int, str, str, float]] = []
        covered = [False] * len(norm)
        places = [False] * len(norm)
        for match in self._pattern.finditer(norm):
            phrase, start = match.group(), match.start()
            if not _whole_word(norm, phrase, start, match.end()):
                continue
            covered[start:match.end()] = [True] * (match.end() - start)
            if phrase in self._places:
                places[start:match.end()] = [True] * (match.end() - start)
                continue
            if _negated(norm, start):
                continue
            place = _PLACE_FACTOR if phrase not in _VERBS and phrase[-1] not in _LOCATIVE \
                and _PLACE_AFTER.match(
                norm, match.end()) else 1.0
            for code, weight in self._weights[phrase]:
                hits.append((start, phrase, code, weight * place))
        hits += self._sound_hits(norm, covered)
        hits += self._pinyin_hits(norm, covered)
        hits = _conditions_to_their_thing(norm, hits)
        hits += self._rule_hits(norm, hits, places)
        resolved = _resolved_clauses(norm)
        if resolved:
            clause = _clauses(norm)
            hits = [(s, p, c, w * _RESOLVED_FACTOR if clause[s] in resolved else w)
                    for s, p, c, w in hits]
        hits = _modifiers_of_a_named_thing(norm, hits)
        hits = _background_before_a_turn(norm, hits, self.threshold)
        hits.sort(key=lambda h: h[0])
        scores: dict[str, float] = {}
        first: dict[str, int] = {}
        for start, _phrase, code, weight in hits:
            scores[code] = scores.get(code, 0) + weight
            first.setdefault(code, start)
        ranked = sorted(scores, key=lambda c: (-scores[c], first[c], self.order[c]))
        matched = tuple(p for _s, p, _c, w in hits if w > 0)
        clear = bool(ranked) and scores[ranked[0]] >= self.threshold
        if self.model is not None:
            return self._blended(norm, scores, first, matched, clear)
        if not clear:
            return Classification(None, scores[ranked[0]] if ranked else 0.0, matched,
                                  ranked[0] if ranked else None, scores)
        return Classification(ranked[0], scores[ranked[0]], matched,
                              ranked[1] if len(ranked) > 1 else None, scores)

    def _blended(self, norm: str, scores: Mapping[str, float], first: Mapping[str, int],
                 matched: tuple[str, ...], clear: bool) -> Classification:
        """The rules' scores as shares (a softmax, so one strong word does not drown the
        model) and the model's probabilities, blended by ``_RULE_SHARE``. A message the
        rules found unclear (but which names some problem word) becomes clear when the model
        is sure of it, or fairly sure of the entry the rules leant to: a location or a
        "thank you" is not a report."""
        assert self.model is not None
        learnt = self.model.probabilities(norm)
        positive = {c: v for c, v in scores.items() if v > 0}
        top = max(positive.values(), default=0.0)
        shares = {c: math.exp((v - top) / _BLEND_TEMPERATURE) for c, v in positive.items()}
        total = sum(shares.values()) or 1.0
        blend = {c: _RULE_SHARE * shares.get(c, 0.0) / total
                 + (1 - _RULE_SHARE) * learnt.get(c, 0.0) for c in self.order}
        ranked = sorted(blend, key=lambda c: (-blend[c], first.get(c, len(norm)),
                                               self.order[c]))
        sure = learnt.get(ranked[0], 0.0)
        agreed = bool(positive) and ranked[0] == max(positive, key=positive.__getitem__) \
            and sure >= _MODEL_AGREES
        # With no problem word at all the model never decides: its probabilities always add
        # up to one, so a place or a question ("上次那个修了没") would get a category too, and
        # a reply in a conversation would become a second report.
        if not clear and (not positive or sure < _MODEL_ALONE) and not agreed:
            return Classification(None, scores.get(ranked[0], 0.0), matched, ranked[0],
                                  scores)
        return Classification(ranked[0], blend[ranked[0]], matched,
                              ranked[1] if len(ranked) > 1 else None, scores)

    def _sound_hits(self, norm: str, covered: list[bool]) -> list[tuple[int, str, str, float]]:
        """Phrases written with a wrong character of the same sound, where no phrase was
        read: same syllables, at least one character (not a light one) in common."""
        if not self._sounds or not any(not c and ch >= "\u3400" for c, ch in
                                       zip(covered, norm, strict=True)):
            return []
        sounds = syllables(norm)
        if sounds is None:
            return []
        hits = []
        i = 0
        while i < len(norm):
            for length in self._sound_lengths:
                window = norm[i:i + length]
                if (len(window) < length or any(covered[i:i + length])
                        or not _CJK_ONLY.match(window)):
                    continue
                phrase = next((p for p in self._sounds.get(tuple(sounds[i:i + length]), ())
                               if any(a == b and a not in _LIGHT
                                      for a, b in zip(p, window, strict=True))), None)
                if phrase is None or _negated(norm, i):
                    continue
                for code, weight in self._weights[phrase]:
                    hits.append((i, phrase, code, weight))
                i += length - 1
                break
            i += 1
        return hits

    def _pinyin_hits(self, norm: str, covered: list[bool]) -> list[tuple[int, str, str, float]]:
        """Latin words no phrase read that spell a phrase in toneless pinyin, alone or
        with the next word ("jinggai", "jing gai")."""
        words = [m for m in _LATIN_WORD.finditer(norm) if not any(covered[m.start():m.end()])]
        hits = []
        used = -1
        for i, word in enumerate(words):
            if word.start() <= used:
                continue
            spellings = [(word.group(), word.end())]
            for j in range(i + 1, min(i + 3, len(words))):  # with the next one or two
                if norm[words[j - 1].end():words[j].start()] != " ":
                    break
                spellings.insert(0, (spellings[0][0] + words[j].group(), words[j].end()))
            for spelling, end in spellings:
                phrase = self._pinyin.get(spelling)
                if phrase is None or _negated(norm, word.start()):
                    continue
                for code, weight in self._weights[phrase]:
                    hits.append((word.start(), phrase, code, weight))
                used = end - 1
                break
        return hits

    def _rule_hits(self, norm: str, named: list[tuple[int, str, str, float]],
                   places: list[bool]) -> list[tuple[int, str, str, float]]:
        """What the rules add. A description belongs to the nearest thing named before it:
        in "人行道上的窨井盖陷下去了" the cover sank, not the pavement."""
        clause = _clauses(norm)
        strong = [(s, s + len(p), c) for s, p, c, w in named if w >= 3]
        hits = []
        for rule, pattern in self.rules:
            what, does = [], []
            for match in pattern.finditer(norm):
                word = match.group()
                if word in rule.not_words or places[match.start()]:
                    continue
                span = match.span()
                if word in rule.what and not _negated(norm, span[0]):
                    what.append((*span, _PLACE_FACTOR if not rule.where
                                 and _PLACE_AFTER.match(norm, span[1]) else 1.0))
                if word in rule.does and norm[span[0] - 1:span[0]] not in ("不", "没"):
                    does.append(span)
            found = max(((ws, ds, place) for ws, we, place in what for ds, de in does
                         if clause[ws] == clause[ds] and (
                             0 <= ds - we <= rule.reach and not any(
                                 we <= s and e <= ds and c != rule.code for s, e, c in strong)
                             or rule.either and 0 <= ws - de <= rule.reach)),
                        key=lambda f: (f[2], -f[0]), default=None)
            if found is not None:
                hits.append((min(found[:2]), f"{rule.what[0]}+{rule.does[0]}", rule.code,
                             rule.weight * found[2]))
        return hits


def _conditions_to_their_thing(norm: str, hits: list[tuple[int, str, str, float]]
                               ) -> list[tuple[int, str, str, float]]:
    """A state word ("下陷", "歪了") right after a fixture named in the same clause
    ("井盖往下陷", "招牌裂了") counts for that fixture, not for the entry the word
    usually names."""
    clause = None
    things = sorted((s, s + len(p), c) for s, p, c, w in hits
                    if w >= 3 and c in _FIXTURES and p not in _CONDITIONS)
    if not things:
        return hits
    out = []
    for start, phrase, code, weight in hits:
        if phrase in _CONDITIONS:
            clause = clause or _clauses(norm)
            owner = next((c for s, e, c in reversed(things) if e <= start
                          and start - e <= _CONDITION_REACH and clause[s] == clause[start]),
                         None)
            if owner is not None and owner != code:
                code = owner
        out.append((start, phrase, code, weight))
    return out


def _class_pattern(rule: Rule) -> re.Pattern[str]:
    words = {normalize(w) for w in (*rule.what, *rule.does, *rule.not_words) if w}
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w))))


def _modifiers_of_a_named_thing(norm: str, hits: list[tuple[int, str, str, float]]
                                ) -> list[tuple[int, str, str, float]]:
    """In "A的B" B is the thing and A describes it: in "以前卖彩票的亭子" the kiosk is the
    report, not a sale. When B is a phrase that names a problem (weight ≥ 3), the phrases
    of another entry in A (the same clause, at most ``_MODIFIER_REACH`` characters before
    的) count for ``_MODIFIER_FACTOR``."""
    heads = [(s, c) for s, p, c, w in hits if w >= 3 and s > 0 and norm[s - 1] == "的"]
    if not heads:
        return hits
    clause = _clauses(norm)
    out = []
    for s, p, c, w in hits:
        if any(c != hc and hs - 1 - _MODIFIER_REACH <= s and s + len(p) <= hs - 1
               and clause[s] == clause[hs] for hs, hc in heads):
            w *= _MODIFIER_FACTOR
        out.append((s, p, c, w))
    return out


def _background_before_a_turn(norm: str, hits: list[tuple[int, str, str, float]],
                              threshold: float) -> list[tuple[int, str, str, float]]:
    """The hits before the last turn that is followed by a problem of its own count
    for ``_BACKGROUND_FACTOR``: "以前这里摆摊的多 现在天天有车停在盲道上" is parking."""
    turns = [m.start() for m in _TURN.finditer(norm)]
    for turn in reversed(turns):
        after: dict[str, float] = {}
        for s, _p, c, w in hits:
            if s >= turn:
                after[c] = after.get(c, 0) + w
        if after and max(after.values()) >= max(threshold, _TURN_CLEAR):
            return [(s, p, c, w * _BACKGROUND_FACTOR if s < turn else w)
                    for s, p, c, w in hits]
    return hits


def _resolved_clauses(norm: str) -> set[int]:
    """The clauses that speak of something already dealt with, unless every clause does
    (then the message as a whole is the report: "上次修好的坑又塌了")."""
    if not _RESOLVED.search(norm):
        return set()
    clause = _clauses(norm)
    out = {clause[m.start()] for m in _RESOLVED.finditer(norm)}
    return out if len(out) < len(set(clause)) else set()


def _clauses(norm: str) -> list[int]:
    """The clause number of each character: punctuation, and a space between two
    Chinese characters (residents type a space for a comma), end a clause."""
    out, n = [], 0
    for i, ch in enumerate(norm):
        if _CLAUSE_BREAK.match(ch) or ch == " " and not (
                norm[i - 1:i].isascii() and norm[i + 1:i + 2].isascii()):
            n += 1
        out.append(n)
    return out


def _whole_word(text: str, phrase: str, start: int, end: int) -> bool:
    """Latin phrases match whole words only ("car" is not in "scarf")."""
    if not _ASCII.match(phrase[0]):
        return True
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalpha()) and not (
        after.isascii() and after.isalpha())


def _negated(text: str, start: int) -> bool:
    window = text[max(0, start - _NEGATION_REACH - 4):start]
    window = _CLAUSE_BREAK.split(window)[-1]
    return any(n in window and len(window) - window.rindex(n) - len(n) <= _NEGATION_REACH
               for n in NEGATIONS)
