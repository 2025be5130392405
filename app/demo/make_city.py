"""Generate app/demo/wuhan_city.json: static demo data for roadchief.

Real Wuhan districts, sub-district streets (街道) and road names, with
responsibility-area (责任区) polygons laid out on a small grid near each
street's (approximate, WGS84) centre.  Geometry is checked with shapely
(valid, convex, counter-clockwise, ~250-450 m, no overlaps) before writing.

    python app/demo/make_city.py        # needs: pip install shapely

Output is deterministic (fixed random seed): re-running reproduces the
file byte-for-byte.
"""
import json
import math
import os
import random

from shapely.geometry import Polygon
from shapely.strtree import STRtree

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wuhan_city.json")
SEED = 20240601

# ---------------------------------------------------------------- roads
# name -> (English name, aliases residents might use / common misspellings)
ROADS = {
    "中山大道": ("Zhongshan Ave", ["中山路", "中山大街"]),
    "京汉大道": ("Jinghan Ave", ["京汉路", "京汉街"]),
    "解放大道": ("Jiefang Ave", ["解放路"]),
    "沿江大道": ("Yanjiang Ave", ["沿江路", "沿江大街"]),
    "建设大道": ("Jianshe Ave", ["建设路"]),
    "发展大道": ("Fazhan Ave", ["发展路"]),
    "大智路": ("Dazhi Rd", ["大志路"]),
    "南京路": ("Nanjing Rd", ["汉口南京路"]),
    "友益街": ("Youyi St", ["友谊街"]),
    "黄石路": ("Huangshi Rd", ["黄石街"]),
    "一元路": ("Yiyuan Rd", ["一圆路"]),
    "胜利街": ("Shengli St", ["胜利路"]),
    "黎黄陂路": ("Lihuangpi Rd", ["黎黄坡路", "黎黄陂", "黎黄陂街"]),
    "洞庭街": ("Dongting St", ["洞庭路"]),
    "蔡锷路": ("Cai'e Rd", ["蔡鄂路", "蔡锷街"]),
    "鄱阳街": ("Poyang St", ["番阳街", "鄱阳路"]),
    "三阳路": ("Sanyang Rd", ["三羊路"]),
    "四唯路": ("Siwei Rd", ["四维路"]),
    "黄浦路": ("Huangpu Rd", ["黄埔路"]),
    "二曜路": ("Eryao Rd", ["二耀路"]),
    "二七路": ("Erqi Rd", ["27路"]),
    "工农兵路": ("Gongnongbing Rd", ["工农兵"]),
    "江汉路": ("Jianghan Rd", ["江汉路步行街", "步行街"]),
    "民族路": ("Minzu Rd", []),
    "民生路": ("Minsheng Rd", []),
    "前进四路": ("Qianjin 4th Rd", ["前进4路"]),
    "花楼街": ("Hualou St", ["花楼路"]),
    "交通路": ("Jiaotong Rd", ["交通街"]),
    "黄陂街": ("Huangpi St", ["黄坡街"]),
    "新华路": ("Xinhua Rd", ["新华街"]),
    "新华下路": ("Xinhuaxia Rd", ["新华下"]),
    "民意四路": ("Minyi 4th Rd", ["民意4路"]),
    "西北湖路": ("Xibeihu Rd", ["西北湖"]),
    "青年路": ("Qingnian Rd", []),
    "汉正街": ("Hanzheng St", ["汉正", "汉正街小商品市场"]),
    "利济北路": ("Liji North Rd", ["利济路北段"]),
    "利济南路": ("Liji South Rd", ["利济路南段"]),
    "大夹街": ("Dajia St", ["大家街"]),
    "长堤街": ("Changdi St", ["长堤路"]),
    "硚口路": ("Qiaokou Rd", ["桥口路", "乔口路"]),
    "宝丰路": ("Baofeng Rd", ["宝峰路"]),
    "汉西路": ("Hanxi Rd", []),
    "汉西一路": ("Hanxi 1st Rd", ["汉西1路"]),
    "沿河大道": ("Yanhe Ave", ["沿河路"]),
    "古田二路": ("Gutian 2nd Rd", ["古田2路"]),
    "古田三路": ("Gutian 3rd Rd", ["古田3路"]),
    "古田四路": ("Gutian 4th Rd", ["古田4路"]),
    "长丰大道": ("Changfeng Ave", ["长丰路"]),
    "晴川大道": ("Qingchuan Ave", ["晴川路", "晴川街"]),
    "显正街": ("Xianzheng St", ["显正路"]),
    "西大街": ("Xida St", ["汉阳西大街"]),
    "洗马长街": ("Ximachang St", ["洗马街"]),
    "汉阳大道": ("Hanyang Ave", ["汉阳路"]),
    "龟北路": ("Guibei Rd", ["龟山北路"]),
    "拦江路": ("Lanjiang Rd", ["栏江路"]),
    "琴台大道": ("Qintai Ave", ["琴台路"]),
    "鹦鹉大道": ("Yingwu Ave", ["鹦鹉洲大道", "鹦鹉路"]),
    "翠微路": ("Cuiwei Rd", ["翠薇路"]),
    "马沧湖路": ("Machanghu Rd", ["马沧湖"]),
    "墨水湖北路": ("Moshuihu North Rd", ["墨水湖路"]),
    "归元寺路": ("Guiyuansi Rd", ["归元寺"]),
    "龙阳大道": ("Longyang Ave", ["龙阳路"]),
    "玫瑰街": ("Meigui St", ["玫瑰路"]),
    "和平大道": ("Heping Ave", ["和平路"]),
    "临江大道": ("Linjiang Ave", ["临江路"]),
    "友谊大道": ("Youyi Ave", ["友谊路"]),
    "公正路": ("Gongzheng Rd", []),
    "得胜桥": ("Deshengqiao St", ["得胜桥街"]),
    "徐东大街": ("Xudong St", ["徐东路", "徐东"]),
    "秦园路": ("Qinyuan Rd", ["秦园"]),
    "粮道街": ("Liangdao St", ["粮道"]),
    "胭脂路": ("Yanzhi Rd", ["胭脂街"]),
    "昙华林": ("Tanhualin St", ["谭华林", "昙华林街"]),
    "民主路": ("Minzhu Rd", []),
    "中南路": ("Zhongnan Rd", ["中南"]),
    "中南二路": ("Zhongnan 2nd Rd", ["中南2路"]),
    "中北路": ("Zhongbei Rd", []),
    "武珞路": ("Wuluo Rd", ["武洛路", "武罗路"]),
    "洪山路": ("Hongshan Rd", []),
    "红卫路": ("Hongwei Rd", []),
    "吉林街": ("Jilin St", ["吉林路"]),
    "建设一路": ("Jianshe 1st Rd", ["建一路", "建设1路"]),
    "建设二路": ("Jianshe 2nd Rd", ["建二路", "建设2路"]),
    "建设五路": ("Jianshe 5th Rd", ["建五路", "建设5路"]),
    "建设八路": ("Jianshe 8th Rd", ["建八路", "建设8路"]),
    "建设十路": ("Jianshe 10th Rd", ["建十路", "建设10路"]),
    "仁和路": ("Renhe Rd", []),
    "冶金大道": ("Yejin Ave", ["冶金路"]),
    "园林路": ("Yuanlin Rd", []),
    "工业四路": ("Gongye 4th Rd", ["工业4路"]),
    "珞喻路": ("Luoyu Rd", ["洛喻路", "珞瑜路", "路喻路"]),
    "珞狮路": ("Luoshi Rd", ["洛狮路"]),
    "广八路": ("Guangba Rd", ["广8路"]),
    "雄楚大道": ("Xiongchu Ave", ["雄楚大街", "雄楚路"]),
    "卓刀泉北路": ("Zhuodaoquan North Rd", ["卓刀泉北"]),
    "卓刀泉南路": ("Zhuodaoquan South Rd", ["卓刀泉南"]),
    "虎泉街": ("Huquan St", ["虎泉路"]),
    "鲁磨路": ("Lumo Rd", ["鲁木路"]),
    "关山大道": ("Guanshan Ave", ["关山路"]),
    "民族大道": ("Minzu Ave", []),
}

# ------------------------------------------------------ districts/streets
# (code, name_zh, name_en, [(street_zh, street_en, (lng, lat), [areas])])
# An area is 1-3 space-separated roads:  "A B C" -> A(B—C)段,
# "A B" -> A与B交汇片区,  "A" -> A沿线.
DISTRICTS = [
    ("JA", "江岸区", "Jiang'an District", [
        ("大智街道", "Dazhi", (114.284, 30.591), [
            "中山大道 大智路 南京路", "京汉大道 大智路 友益街", "大智路 中山大道 京汉大道",
            "南京路 中山大道 胜利街", "友益街 黄石路", "黄石路 中山大道 京汉大道"]),
        ("一元街道", "Yiyuan", (114.296, 30.593), [
            "沿江大道 一元路 南京路", "胜利街 一元路 黎黄陂路", "洞庭街 黎黄陂路 蔡锷路",
            "黎黄陂路", "鄱阳街 南京路 黎黄陂路", "中山大道 一元路"]),
        ("四唯街道", "Siwei", (114.300, 30.603), [
            "中山大道 三阳路 四唯路", "解放大道 黄浦路 三阳路", "四唯路 中山大道 沿江大道",
            "三阳路 京汉大道", "胜利街 三阳路 四唯路", "二曜路"]),
        ("二七街道", "Erqi", (114.318, 30.626), [
            "二七路 解放大道 中山大道", "沿江大道 二七路 工农兵路", "解放大道 二七路 工农兵路",
            "中山大道 二七路", "工农兵路"]),
    ]),
    ("JH", "江汉区", "Jianghan District", [
        ("民族街道", "Minzu", (114.285, 30.579), [
            "江汉路 中山大道 沿江大道", "民族路 中山大道 沿江大道", "民生路 中山大道 沿江大道",
            "中山大道 江汉路 民族路", "江汉路", "前进四路 中山大道 京汉大道"]),
        ("花楼街道", "Hualou", (114.281, 30.576), [
            "花楼街 交通路 民生路", "交通路 中山大道 花楼街", "黄陂街 民生路 交通路",
            "沿江大道 民生路", "花楼街"]),
        ("民意街道", "Minyi", (114.268, 30.593), [
            "解放大道 新华路 青年路", "新华路 民意四路", "民意四路 解放大道 新华路",
            "西北湖路", "解放大道 西北湖路", "青年路 解放大道 建设大道"]),
        ("新华街道", "Xinhua", (114.266, 30.603), [
            "建设大道 新华路 新华下路", "新华路 建设大道 发展大道", "新华下路",
            "发展大道 新华路", "建设大道 青年路 新华路"]),
    ]),
    ("QK", "硚口区", "Qiaokou District", [
        ("汉正街街道", "Hanzhengjie", (114.268, 30.571), [
            "汉正街 利济南路", "长堤街 利济北路 硚口路", "大夹街", "汉正街 大夹街",
            "利济北路 中山大道 长堤街", "中山大道 利济北路 硚口路"]),
        ("宝丰街道", "Baofeng", (114.256, 30.585), [
            "宝丰路 解放大道 京汉大道", "解放大道 宝丰路 硚口路", "京汉大道 宝丰路 硚口路",
            "硚口路 中山大道 京汉大道", "中山大道 宝丰路"]),
        ("韩家墩街道", "Hanjiadun", (114.228, 30.592), [
            "解放大道 汉西一路", "汉西一路 解放大道 建设大道", "建设大道 汉西一路",
            "沿河大道", "汉西路 解放大道 沿河大道"]),
        ("古田街道", "Gutian", (114.205, 30.601), [
            "古田二路 解放大道 长丰大道", "解放大道 古田二路 古田四路", "古田三路",
            "古田四路 解放大道 沿河大道", "长丰大道 古田二路"]),
    ]),
    ("HY", "汉阳区", "Hanyang District", [
        ("晴川街道", "Qingchuan", (114.277, 30.556), [
            "晴川大道 显正街", "显正街", "西大街 显正街 汉阳大道", "洗马长街",
            "汉阳大道 西大街 龟北路", "龟北路 汉阳大道 晴川大道"]),
        ("建桥街道", "Jianqiao", (114.262, 30.566), [
            "拦江路 汉阳大道", "琴台大道 汉阳大道 拦江路", "汉阳大道 拦江路 琴台大道",
            "琴台大道", "拦江路"]),
        ("鹦鹉街道", "Yingwu", (114.262, 30.546), [
            "鹦鹉大道 翠微路 马沧湖路", "翠微路 汉阳大道 鹦鹉大道", "马沧湖路 鹦鹉大道",
            "鹦鹉大道 墨水湖北路", "归元寺路"]),
        ("五里墩街道", "Wulidun", (114.242, 30.562), [
            "汉阳大道 龙阳大道 玫瑰街", "龙阳大道 汉阳大道 墨水湖北路", "玫瑰街",
            "墨水湖北路 龙阳大道", "汉阳大道 玫瑰街"]),
    ]),
    ("WC", "武昌区", "Wuchang District", [
        ("积玉桥街道", "Jiyuqiao", (114.303, 30.565), [
            "和平大道 公正路 得胜桥", "临江大道 和平大道", "公正路 和平大道 临江大道",
            "得胜桥", "临江大道"]),
        ("徐家棚街道", "Xujiapeng", (114.325, 30.588), [
            "和平大道 徐东大街 秦园路", "徐东大街 友谊大道 和平大道", "秦园路 和平大道 临江大道",
            "友谊大道 徐东大街 秦园路", "临江大道 秦园路", "徐东大街"]),
        ("粮道街道", "Liangdao", (114.306, 30.548), [
            "粮道街 胭脂路 民主路", "胭脂路 粮道街 昙华林", "昙华林",
            "民主路 胭脂路 粮道街", "粮道街"]),
        ("中南路街道", "Zhongnanlu", (114.332, 30.543), [
            "中南路 武珞路 中南二路", "武珞路 中南路 洪山路", "中北路 中南路 洪山路",
            "洪山路", "中南二路 中南路"]),
    ]),
    ("QS", "青山区", "Qingshan District", [
        ("红卫路街道", "Hongweilu", (114.355, 30.615), [
            "和平大道 红卫路 吉林街", "红卫路 和平大道 友谊大道", "吉林街",
            "友谊大道 红卫路", "临江大道 红卫路"]),
        ("新沟桥街道", "Xingouqiao", (114.368, 30.622), [
            "和平大道 建设一路 建设二路", "建设一路 和平大道 友谊大道", "建设二路",
            "友谊大道 建设一路", "仁和路 建设二路"]),
        ("红钢城街道", "Honggangcheng", (114.380, 30.628), [
            "和平大道 建设五路 建设八路", "建设五路 和平大道 冶金大道",
            "冶金大道 建设五路 建设八路", "建设八路", "园林路 和平大道 冶金大道"]),
        ("冶金街道", "Yejin", (114.395, 30.632), [
            "冶金大道 建设十路 工业四路", "建设十路 和平大道 冶金大道", "工业四路",
            "和平大道 建设十路", "友谊大道 建设十路"]),
    ]),
    ("HS", "洪山区", "Hongshan District", [
        ("珞南街道", "Luonan", (114.355, 30.523), [
            "珞喻路 珞狮路 广八路", "珞狮路 珞喻路 雄楚大道", "广八路",
            "雄楚大道 珞狮路", "珞喻路 广八路"]),
        ("卓刀泉街道", "Zhuodaoquan", (114.377, 30.513), [
            "卓刀泉北路 珞喻路 虎泉街", "卓刀泉南路 雄楚大道 虎泉街", "雄楚大道 卓刀泉南路",
            "虎泉街", "珞喻路 卓刀泉北路"]),
        ("关山街道", "Guanshan", (114.405, 30.500), [
            "珞喻路 鲁磨路 关山大道", "民族大道 珞喻路 雄楚大道", "关山大道 珞喻路",
            "鲁磨路", "雄楚大道 民族大道 关山大道", "民族大道"]),
    ]),
]

# ----------------------------------------------------------------- people
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "余", "程", "汪"]
GIVEN_NAMES = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞", "平", "刚", "文", "华", "玲", "婷", "丹", "晨", "浩", "宇", "雪", "鹏", "辉", "斌", "慧", "颖", "琳", "倩", "晶", "莉", "宁", "凯", "鑫", "亮", "博", "秀英", "桂英", "建华", "志强", "海燕", "红梅", "建国", "欣怡", "子涵", "梓轩", "思远", "雨萱", "俊杰", "晓东", "晓红", "国强", "建军", "春梅", "丽娟", "文博", "佳怡", "家豪", "一鸣", "子豪", "鹏飞", "天宇", "梦瑶", "诗涵", "雅琪", "振华", "德明", "玉兰", "秀兰", "凤英", "永红", "海涛", "立新"]

# --------------------------------------------------- report descriptions
REPORTS = {
    "LD01": [  # 乱搭
        "{road}路边有商户私自搭了个铁皮棚子，占了半条人行道",
        "{road}一家早餐店门口搭了遮阳棚，下雨天棚子往下滴水，行人都得绕着走",
        "{road}小区门口有人用彩钢板搭了个简易房卖水果，好几个月了没人管",
        "{road}夜宵摊每晚支起大帐篷，桌子摆到马路边上，麻烦处理一下",
        "{road}有人在绿化带旁边用竹竿和塑料布搭了个棚子堆东西",
        "{road}沿街门面违规外扩雨棚，伸出来快两米，挡住了路灯",
        "{road}公交站旁边新搭了一个修车摊的棚子，等车的人都没地方站",
    ],
    "LD02": [  # 乱建
        "{road}一楼住户把院子围起来加盖了一间房，疑似违建",
        "{road}有小区顶楼在搭钢架结构加层，晚上还在施工，请核实有没有手续",
        "{road}临街商铺把门面往外砌墙扩建，占了公共通道",
        "{road}有人在人行道上砌了个砖房，说是放杂物，明显是违章建筑",
        "{road}老房子后面有人偷偷打地基盖房子，周边居民都很担心安全问题",
        "{road}有门面把消防通道封起来改成了仓库，希望执法部门来看看",
        "{road}楼顶新加的彩钢房越盖越大，下面住户屋顶都漏水了",
    ],
    "LD03": [  # 乱停
        "{road}有辆白色小车一直停在人行道上，行人只能走机动车道",
        "{road}人行道上每天都停满了私家车，推婴儿车根本过不去",
        "{road}盲道上停了好几辆车，视障人士没法通行",
        "{road}一辆黑色SUV停在小区出入口的人行道上三天了没挪过",
        "{road}晚上好多车直接开上人行道停，地砖都被压碎了",
        "{road}公交站台前面的人行道被面包车占着，乘客上下车很危险",
        "{road}学校门口人行道上接孩子的车乱停，早晚高峰特别堵",
        "{road}有辆货车长期停在人行道上卸货，电话也打不通车主",
    ],
    "LD04": [  # 乱放
        "{road}五金店把货物堆在人行道上，占了一大半",
        "{road}有住户把旧家具、床垫堆在楼道口外的公共区域，好久没人清理",
        "{road}饭店门口堆满了空啤酒箱和煤气罐，很不安全",
        "{road}废品回收点把纸板、塑料瓶堆到了马路边",
        "{road}有人在人行道上放了一排花盆和石墩占车位",
        "{road}装修材料沙子、水泥袋直接堆在人行道上好几天了",
        "{road}菜市场门口堆着烂菜筐和泡沫箱，味道很大",
    ],
    "LD05": [  # 乱牵
        "{road}有商户从楼上拉了根电线横过人行道给电动车充电",
        "{road}树上被人拉了好几根网线，垂得很低，走路会碰到头",
        "{road}路边电线杆之间私拉了一堆线，乱七八糟的像蜘蛛网",
        "{road}夜市摊主从店里拖了长长的电线到路边，下雨天怕漏电",
        "{road}居民楼窗户外飞线充电，电线一直垂到一楼",
        "{road}有人在两棵行道树之间牵了绳子，晚上看不清容易绊倒人",
    ],
    "LD06": [  # 乱挂
        "{road}有人在行道树之间拉绳子晾衣服被子，挡住了人行道",
        "{road}路灯杆上挂满了商家的促销横幅，风一吹哗哗响",
        "{road}护栏上晒了一排拖把和床单，影响市容",
        "{road}天桥栏杆上被挂了好几条广告布条",
        "{road}店家在交通指示牌上挂了招牌，遮住了路名",
        "{road}绿化带的树上挂着腊鱼腊肉，快一个月了",
        "{road}公交站牌上挂了一块出租房屋的牌子",
    ],
    "LD07": [  # 乱扔
        "{road}人行道上到处是烟头和槟榔渣，环卫好像没来扫",
        "{road}夜宵摊收摊后满地竹签、纸巾和一次性饭盒",
        "{road}有人从楼上往下扔垃圾，楼下绿化带里全是塑料袋",
        "{road}公交站附近奶茶杯、外卖袋扔得到处都是",
        "{road}垃圾桶旁边地上扔了一大堆瓜子壳和果皮",
        "{road}有车辆行驶中往窗外扔东西，路边全是矿泉水瓶",
        "{road}早餐摊周围地上都是热干面的纸碗，每天早上都这样",
    ],
    "LD08": [  # 乱倒
        "{road}晚上有车偷偷倒建筑垃圾，碎砖头堆了一大堆",
        "{road}拐角处有人倒了好多装修垃圾，还有破旧马桶",
        "{road}路边绿化带被人倒了泥巴渣土，把草都盖住了",
        "{road}有餐馆把泔水直接倒进雨水井里，臭得不行",
        "{road}空地上堆满了生活垃圾，已经招苍蝇了",
        "{road}渣土车经过时撒了一路的土，也没人清理",
        "{road}有人把废机油倒在路边下水道口，地上一大片油污",
    ],
    "LD09": [  # 乱贴
        "{road}电线杆上贴满了办证、开锁的小广告",
        "{road}小区单元门口被贴了很多疏通下水道的广告，撕都撕不掉",
        "{road}公交站台玻璃上贴了招租和贷款广告",
        "{road}配电箱上被人贴了一层又一层的牛皮癣",
        "{road}路边墙面贴满了招聘小广告，刚刷的墙又脏了",
        "{road}有人在人行道地砖上喷印了电话号码小广告",
    ],
    "LD10": [  # 乱画
        "{road}桥墩上被人用喷漆乱涂乱画，很难看",
        "{road}新粉刷的围墙被画了很多涂鸦",
        "{road}小区外墙上有人用记号笔写了一大堆电话号码",
        "{road}配电箱和垃圾桶上被人喷了乱七八糟的字",
        "{road}人行道栏杆上被人用油漆写了字，还是骂人的话",
        "{road}老建筑的墙上被人刻了名字，这是历史建筑啊，请管一管",
    ],
    "HF01": [  # 占道经营
        "{road}人行道上每天晚上都有人摆摊卖小吃，行人走不过去",
        "{road}水果摊把筐子摆到了机动车道上，很危险",
        "{road}早上菜贩子在路边摆地摊，把路堵死了",
        "{road}烧烤店把桌椅板凳摆出来占了整个人行道，油烟也很大",
        "{road}有流动三轮车在路口卖东西，影响车辆转弯",
        "{road}小龙虾店晚上把桌子摆到了马路上，车都过不去",
        "{road}服装店把衣架推出来摆在人行道上卖货",
    ],
    "HF02": [  # 共享单车乱停放
        "{road}地铁口共享单车堆成山，出站的人都挤不出来",
        "{road}一堆共享单车倒在盲道上，没人扶",
        "{road}公交站台前停满了共享单车，上下车很不方便",
        "{road}小区门口被共享单车堵住了，汽车进不去",
        "{road}有几辆坏掉的共享单车扔在绿化带里好久了",
        "{road}共享电单车乱停在消防通道上，麻烦通知运营公司来清理",
    ],
    "HF03": [  # 园林绿化损毁
        "{road}行道树被人砍掉了好几根枝丫，还剥了树皮",
        "{road}绿化带被车压坏了一大片，草皮都翻起来了",
        "{road}有居民在绿化带里开荒种菜，把原来的灌木都拔了",
        "{road}路边的树被货车撞断了，斜着压在人行道上",
        "{road}花坛的围栏被撞倒了，里面的花全被踩死了",
        "{road}有商户为了露出招牌把门口的树给修秃了",
        "{road}暴雨后有棵大树倒在路边，还压着电线",
    ],
    "HF04": [  # 道路破损
        "{road}人行道地砖松动翘起来，一踩就溅一身泥水",
        "{road}机动车道上有个大坑，晚上电动车骑过去很容易摔",
        "{road}路面开裂塌陷了一块，用锥桶围着好几天也没修",
        "{road}盲道砖坏了好多块，坑坑洼洼的",
        "{road}路沿石被车撞碎了，碎石散在路边",
        "{road}下雨天这段路积水很深，路面坑洼不平",
        "{road}施工后回填的路面没有恢复，车开过去颠得厉害",
    ],
    "HF05": [  # 施工噪声
        "{road}工地晚上十一点多还在打桩，吵得根本睡不着",
        "{road}凌晨两三点还有渣土车进出工地，噪音很大",
        "{road}附近工地天天夜里施工，切割钢筋的声音很刺耳",
        "{road}周末早上六点就开始用电镐破路面，老人孩子都被吵醒了",
        "{road}夜间浇混凝土，泵车轰了一整夜，请问有没有夜间施工许可",
        "{road}高考期间工地晚上还在施工，希望管一管",
        "{road}有装修公司中午和晚上都在砸墙，邻居们都有意见",
    ],
    "HF06": [  # 井盖
        "{road}人行道上有个井盖不见了，只放了一个锥桶，晚上很危险",
        "{road}机动车道井盖松动，车一压就哐当响",
        "{road}井盖破了个洞，小孩子的脚都能踩进去",
        "{road}雨水井盖被偷了，路口那里黑乎乎一个洞",
        "{road}井盖比路面低了好几厘米，电动车经过容易摔",
        "{road}有个污水井盖翘起来了，下面还往外冒污水",
    ],
    "HF07": [  # 牌子
        "{road}路名牌被撞歪了，字也看不清了",
        "{road}商户的广告招牌一边脱落了，刮风时摇摇晃晃，怕砸到人",
        "{road}交通指示牌被树枝挡住了，开车根本看不到",
        "{road}门店招牌太大了，把二楼住户窗户都挡住了",
        "{road}有个废弃的广告牌锈得很厉害，一直没拆",
        "{road}路口的指路牌方向指错了，外地人经常走错",
        "{road}人行道上立了个商家的落地广告牌，挡着路",
    ],
    "HF08": [  # 柜子
        "{road}路边的配电柜门被撬开了，里面电线露在外面",
        "{road}人行道正中间立了一个通信机柜，轮椅过不去",
        "{road}有个废弃的电信交接箱锈穿了，一直没人拆",
        "{road}快递柜摆在了人行道上，取件的人把路都堵住了",
        "{road}变电箱被撞歪了，周围也没有警示标志",
        "{road}路边好几个不知道哪家单位的铁皮柜，又破又旧影响市容",
    ],
    "HF09": [  # 杆子
        "{road}有根电线杆被车撞歪了，随时可能倒下来",
        "{road}人行道上有根废弃的监控杆，上面什么都没有了也不拆",
        "{road}路灯杆底座锈断了，一推就晃",
        "{road}同一个路口立了好多根杆子，监控、路灯、指示牌各一根，太乱了",
        "{road}有根通信杆倾斜得很厉害，上面的线都拉紧了",
        "{road}人行道中间立着一根杆子，晚上看不清经常有人撞上去",
    ],
    "HF10": [  # 亭子
        "{road}有个废弃的报刊亭，门一直锁着，周围堆满了垃圾",
        "{road}书报亭被改成了卖烟酒饮料的小卖部，还往外扩了一圈",
        "{road}公交站旁边的岗亭没人用了，玻璃都碎了",
        "{road}新放了一个售卖亭，正好挡在盲道上",
        "{road}有个早餐亭占了半个人行道，早上排队的人把路都堵了",
        "{road}废弃的电话亭锈迹斑斑，里面还有人堆放杂物",
    ],
    "HF99": [  # 其他
        "{road}路灯坏了好几盏，晚上一片漆黑",
        "{road}有流浪狗经常在这一带出没，还咬过人",
        "{road}下水道堵了，一下雨就往外冒水",
        "{road}有商家用大喇叭循环播放促销广告，吵得不行",
        "{road}公共厕所好几天没人打扫，里面很脏",
        "{road}路边有辆僵尸车停了一年多，轮胎都瘪了",
        "{road}早上有人在路边烧落叶和垃圾，烟很大",
    ],
}

# --------------------------------------------------------------- geometry
# A global grid of ~385 m x 388 m cells; each street claims a connected
# block of free cells nearest its centre, so tiles can never overlap even
# where real street centres are close together.
LNG0, LAT0 = 114.0, 30.4
DX, DY = 0.0040, 0.0035
M_PER_DEG_LAT = 110_900.0
M_PER_DEG_LNG = 111_320.0 * math.cos(math.radians(30.58))


def claim_cells(center, n, taken):
    """Grow a connected block of n free grid cells around centre."""
    cx, cy = (center[0] - LNG0) / DX, (center[1] - LAT0) / DY

    def dist(c):
        return (c[0] + 0.5 - cx) ** 2 + (c[1] + 0.5 - cy) ** 2, c

    near = [(int(cx) + i, int(cy) + j) for i in range(-8, 9) for j in range(-8, 9)]
    block = [min((c for c in near if c not in taken), key=dist)]
    while len(block) < n:
        frontier = {(x + dx, y + dy) for x, y in block
                    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))}
        block.append(min((c for c in frontier if c not in taken and c not in block), key=dist))
    taken.update(block)
    return sorted(block, key=lambda c: (-c[1], c[0]))  # north-west first


def tile(cell, rng):
    """Convex 4-8 vertex polygon, jittered inside its cell (CCW ring)."""
    x0, y0 = LNG0 + cell[0] * DX, LAT0 + cell[1] * DY
    j = lambda lo, size: lo + size * rng.uniform(0.03, 0.10)
    corners = [(j(x0, DX), j(y0, DY)), (x0 + DX - j(0, DX), j(y0, DY)),  # SW, SE,
               (x0 + DX - j(0, DX), y0 + DY - j(0, DY)), (j(x0, DX), y0 + DY - j(0, DY))]  # NE, NW
    cut = set(rng.sample(range(4), rng.randint(0, 4)))  # chamfered corners
    ring = []
    for k, (px, py) in enumerate(corners):
        if k not in cut:
            ring.append((px, py))
            continue
        t = rng.uniform(0.12, 0.28)  # cut point towards previous corner, then next (CCW)
        for qx, qy in (corners[k - 1], corners[(k + 1) % 4]):
            ring.append((px + t * (qx - px), py + t * (qy - py)))
    ring = [[round(x, 6), round(y, 6)] for x, y in ring]
    return ring + [ring[0]]


def area_names(roads):
    zh, en = roads, [ROADS[r][0] for r in roads]
    if len(roads) == 3:
        return f"{zh[0]}({zh[1]}—{zh[2]})段", f"{en[0]} ({en[1]}–{en[2]})"
    if len(roads) == 2:
        return f"{zh[0]}与{zh[1]}交汇片区", f"{en[0]} & {en[1]}"
    return f"{zh[0]}沿线", f"{en[0]} (full length)"


def build():
    rng = random.Random(SEED)
    taken = set()
    districts = []
    for dcode, dzh, den, streets in DISTRICTS:
        out_streets = []
        for si, (szh, sen, center, areas) in enumerate(streets, 1):
            scode = f"{dcode}{si:02d}"
            cells = claim_cells(center, len(areas), taken)
            out_areas = []
            for ai, (spec, cell) in enumerate(zip(areas, cells), 1):
                roads = spec.split()
                zh, en = area_names(roads)
                out_areas.append({
                    "code": f"{scode}-{ai:02d}", "name_zh": zh, "name_en": en,
                    "roads": [{"name": r, "aliases": ROADS[r][1]} for r in roads],
                    "polygon": {"type": "Polygon", "coordinates": [tile(cell, rng)]},
                })
            out_streets.append({"code": scode, "name_zh": szh, "name_en": f"{sen} Subdistrict",
                                "center": list(center), "areas": out_areas})
        districts.append({"code": dcode, "name_zh": dzh, "name_en": den, "streets": out_streets})
    return {"city": {"name_zh": "武汉市", "name_en": "Wuhan", "center": [114.305, 30.593]},
            "districts": districts, "surnames": SURNAMES, "given_names": GIVEN_NAMES,
            "reports": REPORTS}


# ----------------------------------------------------------------- checks
def check(city):
    ds = city["districts"]
    streets = [s for d in ds for s in d["streets"]]
    areas = [(s, a) for s in streets for a in s["areas"]]
    assert len(ds) >= 6 and all(3 <= len(d["streets"]) <= 4 for d in ds)
    assert all(5 <= len(s["areas"]) <= 6 for s in streets)
    assert len(areas) >= 110, len(areas)
    codes = [d["code"] for d in ds] + [s["code"] for s in streets] + [a["code"] for _, a in areas]
    assert len(codes) == len(set(codes)) and all(c.isascii() for c in codes)
    assert len({a["name_zh"] for _, a in areas}) == len(areas), "duplicate area names"
    aliases = [x for _, (_, al) in ROADS.items() for x in al]
    assert len(aliases) == len(set(aliases)) and not set(aliases) & set(ROADS), "alias clash"
    assert len(SURNAMES) == len(set(SURNAMES)) == 40
    assert len(GIVEN_NAMES) == len(set(GIVEN_NAMES)) == 80
    assert all(1 <= len(g) <= 2 for g in SURNAMES + GIVEN_NAMES)
    assert len(REPORTS) == 21 and all(6 <= len(v) <= 8 for v in REPORTS.values())
    assert all("{road}" in t for v in REPORTS.values() for t in v)

    polys, max_shift = [], 0.0
    for s, a in areas:
        ring = a["polygon"]["coordinates"][0]
        p = Polygon(ring)
        assert ring[0] == ring[-1] and 4 <= len(ring) - 1 <= 8, a["code"]
        assert p.is_valid and p.exterior.is_ccw, a["code"]
        assert abs(p.convex_hull.area - p.area) < 1e-12, f"not convex {a['code']}"
        minx, miny, maxx, maxy = p.bounds
        w, h = (maxx - minx) * M_PER_DEG_LNG, (maxy - miny) * M_PER_DEG_LAT
        assert 250 <= w <= 450 and 250 <= h <= 450, (a["code"], w, h)
        c = p.centroid
        shift = math.hypot((c.x - s["center"][0]) * M_PER_DEG_LNG,
                           (c.y - s["center"][1]) * M_PER_DEG_LAT)
        max_shift = max(max_shift, shift)
        polys.append(p)
    tree, overlaps = STRtree(polys), 0
    for i, p in enumerate(polys):
        for j in tree.query(p):
            if j > i and p.intersection(polys[j]).area > 0:
                overlaps += 1
    assert overlaps == 0, f"{overlaps} overlapping polygon pairs"
    assert max_shift < 2500, max_shift
    return len(ds), len(streets), len(areas), overlaps, max_shift


if __name__ == "__main__":
    city = build()
    nd, ns, na, ov, shift = check(city)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(city, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"districts={nd} streets={ns} areas={na} overlapping_pairs={ov} "
          f"max_tile_offset_from_street_centre={shift:.0f}m -> {OUT} "
          f"({os.path.getsize(OUT)} bytes)")
