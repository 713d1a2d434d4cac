//! Places in China: normalises free-text hukou and school locations to province + city.
//!
//! The table below lists every provincial-level division with its prefecture-level divisions
//! (市, 地区, 自治州, 盟) as published by the National Bureau of Statistics, plus the county-level
//! units that report directly to a province (湖北's 仙桃 潜江 天门 神农架, 河南's 济源, 海南's
//! county-level cities, 新疆's 兵团 cities). Hainan's directly administered counties and the
//! subdivisions of 台湾省 are not listed; such text normalises to the province only.

use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::sync::LazyLock;

/// A normalised place. Names are canonical full names: `湖北省` / `武汉市`,
/// and a municipality is its own city (`北京市` / `北京市`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Region {
    pub province: Option<String>,
    pub city: Option<String>,
}

impl Region {
    /// The place as one string for screens: `湖北省武汉市`, `北京市`, `湖北省`, or `未知`.
    pub fn display(&self) -> String {
        match (&self.province, &self.city) {
            (Some(province), Some(city)) if province == city => province.clone(),
            (Some(province), Some(city)) => format!("{province}{city}"),
            (Some(only), None) | (None, Some(only)) => only.clone(),
            (None, None) => "未知".to_owned(),
        }
    }
}

/// Normalises spellings such as `湖北武汉`, `湖北省武汉市江岸区`, `武汉市`, `武汉` to
/// province + city. Parts that cannot be recognised stay `None`.
///
/// The text must start with the province or the city (after an optional `中国`); anything
/// after the city, such as the district, is ignored. A city without a province implies its
/// province. When the text can be read several ways, the reading that recognises more
/// characters wins, so `吉林市` is the city in 吉林省 rather than the province.
pub fn normalise(text: &str) -> Region {
    let cleaned = clean(text);
    let text = strip_country(&cleaned);
    let index = &*INDEX;

    // (characters recognised, province, city)
    let mut best: Option<(usize, usize, Option<&'static str>)> = None;
    let mut consider = |len: usize, province: usize, city: Option<&'static str>| {
        if best.is_none_or(|(best_len, _, _)| len > best_len) {
            best = Some((len, province, city));
        }
    };
    // Province readings go first so that they win ties: `海南` is the province, not 海南州.
    let prefixes = index.prefixes_of(text);
    for (province, province_len) in prefixes.provinces() {
        let rest = index.prefixes_of(&text[province_len..]);
        match rest.longest_city(Some(province)) {
            Some((city, city_len)) => consider(province_len + city_len, province, Some(city.name)),
            None => consider(province_len, province, None),
        }
    }
    if let Some((city, city_len)) = prefixes.longest_city(None) {
        consider(city_len, city.province, Some(city.name));
    }

    match best {
        None => Region::default(),
        Some((_, province, city)) => {
            let province = &PROVINCES[province];
            // A municipality (or SAR) is its own city, whatever district follows.
            let city = city.or_else(|| match province.cities {
                [only] if *only == province.name => Some(*only),
                _ => None,
            });
            Region {
                province: Some(province.name.to_owned()),
                city: city.map(str::to_owned),
            }
        }
    }
}

/// The canonical province for texts such as `湖北`, `广西`, `武汉`; `None` if not recognised.
pub fn normalise_province(text: &str) -> Option<String> {
    normalise(text).province
}

/// The place for texts that name a city, such as `武汉` or `湖北宜昌`; `None` unless the
/// city is recognised.
pub fn normalise_city(text: &str) -> Option<Region> {
    Some(normalise(text)).filter(|region| region.city.is_some())
}

/// Removes what rosters put between or around the parts of a place name. Borrows the text
/// when there is nothing to remove, which is the usual case.
fn clean(text: &str) -> Cow<'_, str> {
    const SEPARATORS: &[char] = &[
        '/', '／', '\\', '-', '－', '—', '_', '·', '•', ',', '，', '、', '|', '｜',
    ];
    // The statistics bureau files directly administered units under these pseudo-cities.
    // Each contains `辖`, so text without it needs no replacing.
    const FILLERS: &[&str] = &[
        "自治区直辖县级行政区划",
        "省直辖县级行政区划",
        "省直辖县级行政单位",
    ];
    let removed = |c: char| {
        // Han characters, the bulk of any place name, are never removed.
        !('\u{4E00}'..='\u{9FFF}').contains(&c)
            && (c.is_whitespace()
                || SEPARATORS.contains(&c)
                || matches!(c, '\u{200B}' | '\u{FEFF}'))
    };
    let (mut strip, mut fillers) = (false, false);
    for c in text.chars() {
        strip |= removed(c);
        fillers |= c == '辖';
    }
    let mut cleaned = if strip {
        let mut kept = String::with_capacity(text.len());
        kept.extend(text.split(removed));
        Cow::Owned(kept)
    } else {
        Cow::Borrowed(text)
    };
    if fillers {
        for filler in FILLERS {
            if cleaned.contains(filler) {
                cleaned = Cow::Owned(cleaned.replace(filler, ""));
            }
        }
    }
    cleaned
}

fn strip_country(text: &str) -> &str {
    ["中华人民共和国", "中国"]
        .iter()
        .find_map(|country| text.strip_prefix(country))
        .unwrap_or(text)
}

/// One provincial-level division. `cities` holds canonical full names; a municipality or SAR
/// lists itself as its only city.
struct Province {
    name: &'static str,
    short: &'static str,
    cities: &'static [&'static str],
}

#[rustfmt::skip]
const PROVINCES: &[Province] = &[
    Province { name: "北京市", short: "北京", cities: &["北京市"] },
    Province { name: "天津市", short: "天津", cities: &["天津市"] },
    Province { name: "上海市", short: "上海", cities: &["上海市"] },
    Province { name: "重庆市", short: "重庆", cities: &["重庆市"] },
    Province { name: "河北省", short: "河北", cities: &[
        "石家庄市", "唐山市", "秦皇岛市", "邯郸市", "邢台市", "保定市", "张家口市", "承德市",
        "沧州市", "廊坊市", "衡水市",
    ] },
    Province { name: "山西省", short: "山西", cities: &[
        "太原市", "大同市", "阳泉市", "长治市", "晋城市", "朔州市", "晋中市", "运城市", "忻州市",
        "临汾市", "吕梁市",
    ] },
    Province { name: "内蒙古自治区", short: "内蒙古", cities: &[
        "呼和浩特市", "包头市", "乌海市", "赤峰市", "通辽市", "鄂尔多斯市", "呼伦贝尔市",
        "巴彦淖尔市", "乌兰察布市", "兴安盟", "锡林郭勒盟", "阿拉善盟",
    ] },
    Province { name: "辽宁省", short: "辽宁", cities: &[
        "沈阳市", "大连市", "鞍山市", "抚顺市", "本溪市", "丹东市", "锦州市", "营口市", "阜新市",
        "辽阳市", "盘锦市", "铁岭市", "朝阳市", "葫芦岛市",
    ] },
    Province { name: "吉林省", short: "吉林", cities: &[
        "长春市", "吉林市", "四平市", "辽源市", "通化市", "白山市", "松原市", "白城市",
        "延边朝鲜族自治州",
    ] },
    Province { name: "黑龙江省", short: "黑龙江", cities: &[
        "哈尔滨市", "齐齐哈尔市", "鸡西市", "鹤岗市", "双鸭山市", "大庆市", "伊春市", "佳木斯市",
        "七台河市", "牡丹江市", "黑河市", "绥化市", "大兴安岭地区",
    ] },
    Province { name: "江苏省", short: "江苏", cities: &[
        "南京市", "无锡市", "徐州市", "常州市", "苏州市", "南通市", "连云港市", "淮安市", "盐城市",
        "扬州市", "镇江市", "泰州市", "宿迁市",
    ] },
    Province { name: "浙江省", short: "浙江", cities: &[
        "杭州市", "宁波市", "温州市", "嘉兴市", "湖州市", "绍兴市", "金华市", "衢州市", "舟山市",
        "台州市", "丽水市",
    ] },
    Province { name: "安徽省", short: "安徽", cities: &[
        "合肥市", "芜湖市", "蚌埠市", "淮南市", "马鞍山市", "淮北市", "铜陵市", "安庆市", "黄山市",
        "滁州市", "阜阳市", "宿州市", "六安市", "亳州市", "池州市", "宣城市",
    ] },
    Province { name: "福建省", short: "福建", cities: &[
        "福州市", "厦门市", "莆田市", "三明市", "泉州市", "漳州市", "南平市", "龙岩市", "宁德市",
    ] },
    Province { name: "江西省", short: "江西", cities: &[
        "南昌市", "景德镇市", "萍乡市", "九江市", "新余市", "鹰潭市", "赣州市", "吉安市", "宜春市",
        "抚州市", "上饶市",
    ] },
    Province { name: "山东省", short: "山东", cities: &[
        "济南市", "青岛市", "淄博市", "枣庄市", "东营市", "烟台市", "潍坊市", "济宁市", "泰安市",
        "威海市", "日照市", "临沂市", "德州市", "聊城市", "滨州市", "菏泽市",
    ] },
    Province { name: "河南省", short: "河南", cities: &[
        "郑州市", "开封市", "洛阳市", "平顶山市", "安阳市", "鹤壁市", "新乡市", "焦作市", "濮阳市",
        "许昌市", "漯河市", "三门峡市", "南阳市", "商丘市", "信阳市", "周口市", "驻马店市",
        // Directly under the province.
        "济源市",
    ] },
    Province { name: "湖北省", short: "湖北", cities: &[
        "武汉市", "黄石市", "十堰市", "宜昌市", "襄阳市", "鄂州市", "荆门市", "孝感市", "荆州市",
        "黄冈市", "咸宁市", "随州市", "恩施土家族苗族自治州",
        // Directly under the province.
        "仙桃市", "潜江市", "天门市", "神农架林区",
    ] },
    Province { name: "湖南省", short: "湖南", cities: &[
        "长沙市", "株洲市", "湘潭市", "衡阳市", "邵阳市", "岳阳市", "常德市", "张家界市", "益阳市",
        "郴州市", "永州市", "怀化市", "娄底市", "湘西土家族苗族自治州",
    ] },
    Province { name: "广东省", short: "广东", cities: &[
        "广州市", "韶关市", "深圳市", "珠海市", "汕头市", "佛山市", "江门市", "湛江市", "茂名市",
        "肇庆市", "惠州市", "梅州市", "汕尾市", "河源市", "阳江市", "清远市", "东莞市", "中山市",
        "潮州市", "揭阳市", "云浮市",
    ] },
    Province { name: "广西壮族自治区", short: "广西", cities: &[
        "南宁市", "柳州市", "桂林市", "梧州市", "北海市", "防城港市", "钦州市", "贵港市", "玉林市",
        "百色市", "贺州市", "河池市", "来宾市", "崇左市",
    ] },
    Province { name: "海南省", short: "海南", cities: &[
        "海口市", "三亚市", "三沙市", "儋州市",
        // County-level cities directly under the province.
        "五指山市", "琼海市", "文昌市", "万宁市", "东方市",
    ] },
    Province { name: "四川省", short: "四川", cities: &[
        "成都市", "自贡市", "攀枝花市", "泸州市", "德阳市", "绵阳市", "广元市", "遂宁市", "内江市",
        "乐山市", "南充市", "眉山市", "宜宾市", "广安市", "达州市", "雅安市", "巴中市", "资阳市",
        "阿坝藏族羌族自治州", "甘孜藏族自治州", "凉山彝族自治州",
    ] },
    Province { name: "贵州省", short: "贵州", cities: &[
        "贵阳市", "六盘水市", "遵义市", "安顺市", "毕节市", "铜仁市", "黔西南布依族苗族自治州",
        "黔东南苗族侗族自治州", "黔南布依族苗族自治州",
    ] },
    Province { name: "云南省", short: "云南", cities: &[
        "昆明市", "曲靖市", "玉溪市", "保山市", "昭通市", "丽江市", "普洱市", "临沧市",
        "楚雄彝族自治州", "红河哈尼族彝族自治州", "文山壮族苗族自治州", "西双版纳傣族自治州",
        "大理白族自治州", "德宏傣族景颇族自治州", "怒江傈僳族自治州", "迪庆藏族自治州",
    ] },
    Province { name: "西藏自治区", short: "西藏", cities: &[
        "拉萨市", "日喀则市", "昌都市", "林芝市", "山南市", "那曲市", "阿里地区",
    ] },
    Province { name: "陕西省", short: "陕西", cities: &[
        "西安市", "铜川市", "宝鸡市", "咸阳市", "渭南市", "延安市", "汉中市", "榆林市", "安康市",
        "商洛市",
    ] },
    Province { name: "甘肃省", short: "甘肃", cities: &[
        "兰州市", "嘉峪关市", "金昌市", "白银市", "天水市", "武威市", "张掖市", "平凉市", "酒泉市",
        "庆阳市", "定西市", "陇南市", "临夏回族自治州", "甘南藏族自治州",
    ] },
    Province { name: "青海省", short: "青海", cities: &[
        "西宁市", "海东市", "海北藏族自治州", "黄南藏族自治州", "海南藏族自治州", "果洛藏族自治州",
        "玉树藏族自治州", "海西蒙古族藏族自治州",
    ] },
    Province { name: "宁夏回族自治区", short: "宁夏", cities: &[
        "银川市", "石嘴山市", "吴忠市", "固原市", "中卫市",
    ] },
    Province { name: "新疆维吾尔自治区", short: "新疆", cities: &[
        "乌鲁木齐市", "克拉玛依市", "吐鲁番市", "哈密市", "昌吉回族自治州", "博尔塔拉蒙古自治州",
        "巴音郭楞蒙古自治州", "阿克苏地区", "克孜勒苏柯尔克孜自治州", "喀什地区", "和田地区",
        "伊犁哈萨克自治州", "塔城地区", "阿勒泰地区",
        // 兵团 cities directly under the autonomous region.
        "石河子市", "阿拉尔市", "图木舒克市", "五家渠市", "北屯市", "铁门关市", "双河市",
        "可克达拉市", "昆玉市", "胡杨河市", "新星市", "白杨市",
    ] },
    Province { name: "台湾省", short: "台湾", cities: &[] },
    Province { name: "香港特别行政区", short: "香港", cities: &["香港特别行政区"] },
    Province { name: "澳门特别行政区", short: "澳门", cities: &["澳门特别行政区"] },
];

/// Other spellings of provinces seen in rosters: (spelling, canonical name).
const PROVINCE_ALIASES: &[(&str, &str)] = &[
    ("内蒙", "内蒙古自治区"),
    ("广西省", "广西壮族自治区"),
    ("广西自治区", "广西壮族自治区"),
    ("宁夏自治区", "宁夏回族自治区"),
    ("新疆自治区", "新疆维吾尔自治区"),
    ("新疆维吾尔族自治区", "新疆维吾尔自治区"),
    ("香港特区", "香港特别行政区"),
    ("澳门特区", "澳门特别行政区"),
];

/// Common nicknames and former names of cities still found in old hukou records:
/// (spelling, canonical name).
const CITY_ALIASES: &[(&str, &str)] = &[
    ("襄樊", "襄阳市"), // renamed 2010
    ("思茅", "普洱市"), // renamed 2007
    ("莱芜", "济南市"), // merged into 济南 2019
    ("巴州", "巴音郭楞蒙古自治州"),
    ("博州", "博尔塔拉蒙古自治州"),
    ("克州", "克孜勒苏柯尔克孜自治州"),
];

/// Ethnic names inside autonomous prefecture names; the short name is what precedes the first.
const ETHNIC_NAMES: &[&str] = &[
    "土家族",
    "苗族",
    "朝鲜族",
    "回族",
    "蒙古",
    "藏族",
    "彝族",
    "白族",
    "傣族",
    "傈僳族",
    "哈尼族",
    "壮族",
    "布依族",
    "哈萨克",
    "柯尔克孜",
];

/// The common short form of a prefecture-level name: `武汉市` → `武汉`, `阿里地区` → `阿里`,
/// `兴安盟` → `兴安`, `恩施土家族苗族自治州` → `恩施`.
fn short_name(full: &str) -> &str {
    if let Some(stem) = full.strip_suffix("自治州") {
        let ethnic_start = ETHNIC_NAMES
            .iter()
            .filter_map(|ethnic| stem.find(ethnic))
            .min();
        return &stem[..ethnic_start.unwrap_or(stem.len())];
    }
    ["特别行政区", "地区", "林区", "盟", "市"]
        .iter()
        .find_map(|suffix| full.strip_suffix(suffix))
        .filter(|stem| !stem.is_empty())
        .unwrap_or(full)
}

/// A city as found by its spelling.
#[derive(Clone, Copy)]
struct CityRef {
    province: usize,
    name: &'static str,
}

struct Spelling<T> {
    text: String,
    target: T,
    /// Whether this is the canonical full name. Short forms are refused when a district
    /// suffix follows, because `朝阳区` (北京) is not 朝阳市 and `河北区` (天津) is not 河北省.
    full: bool,
}

impl<T> Spelling<T> {
    fn prefixes(&self, text: &str) -> bool {
        text.starts_with(&self.text) && (self.full || !text[self.text.len()..].starts_with('区'))
    }
}

/// Every spelling of every province and city, built once from the tables.
struct Index {
    provinces: Vec<Spelling<usize>>,
    /// Longest spelling first, so the first match is the longest.
    cities: Vec<Spelling<CityRef>>,
    /// The spellings by their first two characters, as positions in `provinces` and `cities`
    /// in the same order as there. Every spelling has at least two characters, so one can
    /// only prefix a text that starts with the same two: a lookup compares just these few
    /// (usually one or two) instead of every spelling.
    // FxHash: SipHash would cost more than the rest of a lookup, and the table's keys come
    // from our own data, so there is no flooding to defend against.
    by_opening: FxHashMap<(char, char), Candidates>,
}

/// Positions of the spellings that start with the same two characters.
#[derive(Default)]
struct Candidates {
    provinces: Vec<usize>,
    cities: Vec<usize>,
}

/// The first two characters of the text, if it has two.
fn opening(text: &str) -> Option<(char, char)> {
    let mut chars = text.chars();
    Some((chars.next()?, chars.next()?))
}

static INDEX: LazyLock<Index> = LazyLock::new(Index::build);

impl Index {
    fn build() -> Index {
        let province_by_name = |name: &str| PROVINCES.iter().position(|p| p.name == name);
        let mut provinces = Vec::new();
        for (target, province) in PROVINCES.iter().enumerate() {
            provinces.push(Spelling {
                text: province.name.to_owned(),
                target,
                full: true,
            });
            provinces.push(Spelling {
                text: province.short.to_owned(),
                target,
                full: false,
            });
        }
        for (alias, name) in PROVINCE_ALIASES {
            if let Some(target) = province_by_name(name) {
                provinces.push(Spelling {
                    text: (*alias).to_owned(),
                    target,
                    full: false,
                });
            }
        }

        let mut cities = Vec::new();
        for (province, entry) in PROVINCES.iter().enumerate() {
            for &name in entry.cities {
                let target = CityRef { province, name };
                let short = short_name(name);
                cities.push(Spelling {
                    text: name.to_owned(),
                    target,
                    full: true,
                });
                if short != name {
                    cities.push(Spelling {
                        text: short.to_owned(),
                        target,
                        full: false,
                    });
                }
                if name.ends_with("自治州") {
                    cities.push(Spelling {
                        text: format!("{short}州"),
                        target,
                        full: false,
                    });
                }
            }
        }
        for (alias, name) in CITY_ALIASES {
            let found = PROVINCES.iter().enumerate().find_map(|(province, entry)| {
                entry
                    .cities
                    .iter()
                    .find(|city| *city == name)
                    .map(|&name| CityRef { province, name })
            });
            if let Some(target) = found {
                cities.push(Spelling {
                    text: (*alias).to_owned(),
                    target,
                    full: false,
                });
            }
        }
        cities.sort_by_key(|spelling| std::cmp::Reverse(spelling.text.len()));

        let mut by_opening = FxHashMap::<_, Candidates>::default();
        let key = |text: &str| {
            opening(text).unwrap_or_else(|| panic!("spelling {text:?} is under two characters"))
        };
        for (position, spelling) in provinces.iter().enumerate() {
            let candidates = by_opening.entry(key(&spelling.text)).or_default();
            candidates.provinces.push(position);
        }
        for (position, spelling) in cities.iter().enumerate() {
            let candidates = by_opening.entry(key(&spelling.text)).or_default();
            candidates.cities.push(position);
        }
        Index {
            provinces,
            cities,
            by_opening,
        }
    }

    /// The spellings the text may start with: those starting with its first two characters.
    fn prefixes_of<'a>(&'a self, text: &'a str) -> Prefixes<'a> {
        Prefixes {
            index: self,
            text,
            candidates: opening(text).and_then(|key| self.by_opening.get(&key)),
        }
    }
}

/// The spellings a text may start with, looked up once for the province and city readings.
struct Prefixes<'a> {
    index: &'a Index,
    text: &'a str,
    candidates: Option<&'a Candidates>,
}

impl<'a> Prefixes<'a> {
    /// Every province spelling the text starts with, as (province, byte length).
    fn provinces(&self) -> impl Iterator<Item = (usize, usize)> + 'a {
        let Prefixes { index, text, .. } = *self;
        let positions = self
            .candidates
            .map_or(&[][..], |candidates| &candidates.provinces);
        positions
            .iter()
            .map(|&position| &index.provinces[position])
            .filter(move |spelling| spelling.prefixes(text))
            .map(|spelling| (spelling.target, spelling.text.len()))
    }

    /// The longest city spelling the text starts with, optionally only within one province.
    fn longest_city(&self, within: Option<usize>) -> Option<(CityRef, usize)> {
        self.candidates?
            .cities
            .iter()
            .map(|&position| &self.index.cities[position])
            .filter(|spelling| within.is_none_or(|province| spelling.target.province == province))
            .find(|spelling| spelling.prefixes(self.text))
            .map(|spelling| (spelling.target, spelling.text.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(province: Option<&str>, city: Option<&str>) -> Region {
        Region {
            province: province.map(str::to_owned),
            city: city.map(str::to_owned),
        }
    }

    fn place(province: &str, city: &str) -> Region {
        region(Some(province), Some(city))
    }

    #[test]
    fn table_has_all_provincial_and_prefecture_level_divisions() {
        assert_eq!(PROVINCES.len(), 34);
        let prefecture_level = PROVINCES
            .iter()
            .flat_map(|p| p.cities.iter())
            .filter(|&&city| !PROVINCES.iter().any(|p| p.name == city))
            .count();
        // 333 prefecture-level divisions + 4 in 湖北 + 1 in 河南 + 5 in 海南 + 12 in 新疆.
        assert_eq!(prefecture_level, 333 + 4 + 1 + 5 + 12);
    }

    #[test]
    fn every_spelling_means_one_place() {
        let index = &*INDEX;
        for (i, a) in index.cities.iter().enumerate() {
            for b in &index.cities[i + 1..] {
                assert!(
                    a.text != b.text || a.target.name == b.target.name,
                    "{} is ambiguous",
                    a.text
                );
            }
        }
    }

    #[test]
    fn index_finds_every_spelling_by_its_opening() {
        let index = &*INDEX;
        for spelling in &index.provinces {
            let found = index
                .prefixes_of(&spelling.text)
                .provinces()
                .any(|(province, len)| province == spelling.target && len == spelling.text.len());
            assert!(found, "{}", spelling.text);
        }
        for spelling in &index.cities {
            let found = index
                .prefixes_of(&spelling.text)
                .longest_city(Some(spelling.target.province))
                .map(|(city, len)| (city.name, len));
            assert_eq!(
                found,
                Some((spelling.target.name, spelling.text.len())),
                "{}",
                spelling.text
            );
        }
    }

    #[test]
    fn short_names() {
        assert_eq!(short_name("武汉市"), "武汉");
        assert_eq!(short_name("恩施土家族苗族自治州"), "恩施");
        assert_eq!(short_name("海西蒙古族藏族自治州"), "海西");
        assert_eq!(short_name("克孜勒苏柯尔克孜自治州"), "克孜勒苏");
        assert_eq!(short_name("伊犁哈萨克自治州"), "伊犁");
        assert_eq!(short_name("大兴安岭地区"), "大兴安岭");
        assert_eq!(short_name("锡林郭勒盟"), "锡林郭勒");
        assert_eq!(short_name("神农架林区"), "神农架");
        for province in PROVINCES {
            for city in province.cities {
                assert!(short_name(city).chars().count() >= 2, "{city}");
            }
        }
    }

    #[test]
    fn spellings_in_hubei() {
        let wuhan = place("湖北省", "武汉市");
        for text in [
            "湖北武汉",
            "湖北省武汉市江岸区",
            "湖北省武汉市",
            "武汉市",
            "武汉",
            "湖北省武汉",
            "武汉市洪山区",
        ] {
            assert_eq!(normalise(text), wuhan, "{text}");
        }
        let yichang = place("湖北省", "宜昌市");
        for text in ["湖北宜昌", "湖北省宜昌市夷陵区", "宜昌"] {
            assert_eq!(normalise(text), yichang, "{text}");
        }
        let enshi = place("湖北省", "恩施土家族苗族自治州");
        for text in [
            "恩施州",
            "湖北恩施",
            "恩施",
            "湖北省恩施土家族苗族自治州恩施市",
            "湖北省恩施市",
        ] {
            assert_eq!(normalise(text), enshi, "{text}");
        }
        assert_eq!(normalise("湖北省神农架林区"), place("湖北省", "神农架林区"));
        assert_eq!(normalise("湖北仙桃"), place("湖北省", "仙桃市"));
        assert_eq!(normalise("潜江市"), place("湖北省", "潜江市"));
        assert_eq!(
            normalise("湖北省省直辖县级行政区划天门市"),
            place("湖北省", "天门市")
        );
        assert_eq!(normalise("湖北省襄樊市"), place("湖北省", "襄阳市"));
    }

    #[test]
    fn spaces_and_separators_are_ignored() {
        let wuhan = place("湖北省", "武汉市");
        for text in [
            "湖北 武汉",
            " 湖北省\u{3000}武汉市 ",
            "湖北\t武汉",
            "湖北省/武汉市",
            "湖北-武汉",
            "中国湖北武汉",
        ] {
            assert_eq!(normalise(text), wuhan, "{text:?}");
        }
    }

    #[test]
    fn municipalities_are_their_own_city() {
        let beijing = place("北京市", "北京市");
        for text in ["北京", "北京市", "北京市海淀区", "北京海淀", "北京市朝阳区"]
        {
            assert_eq!(normalise(text), beijing, "{text}");
        }
        assert_eq!(normalise("天津市河北区"), place("天津市", "天津市"));
        assert_eq!(normalise("上海浦东新区"), place("上海市", "上海市"));
        assert_eq!(normalise("重庆市万州区"), place("重庆市", "重庆市"));
        assert_eq!(normalise("香港"), place("香港特别行政区", "香港特别行政区"));
    }

    #[test]
    fn autonomous_regions() {
        let nanning = place("广西壮族自治区", "南宁市");
        for text in ["广西南宁", "广西壮族自治区南宁市", "南宁", "广西省南宁市"]
        {
            assert_eq!(normalise(text), nanning, "{text}");
        }
        let hohhot = place("内蒙古自治区", "呼和浩特市");
        for text in [
            "内蒙古呼和浩特",
            "内蒙古自治区呼和浩特市",
            "内蒙呼和浩特",
            "呼和浩特",
        ] {
            assert_eq!(normalise(text), hohhot, "{text}");
        }
        assert_eq!(normalise("内蒙古兴安盟"), place("内蒙古自治区", "兴安盟"));
        assert_eq!(
            normalise("新疆伊犁州"),
            place("新疆维吾尔自治区", "伊犁哈萨克自治州")
        );
        assert_eq!(
            normalise("巴州库尔勒市"),
            place("新疆维吾尔自治区", "巴音郭楞蒙古自治州")
        );
        assert_eq!(normalise("宁夏银川"), place("宁夏回族自治区", "银川市"));
        assert_eq!(normalise("西藏日喀则地区"), place("西藏自治区", "日喀则市"));
    }

    #[test]
    fn names_shared_between_levels() {
        assert_eq!(normalise("吉林"), region(Some("吉林省"), None));
        assert_eq!(normalise("吉林市"), place("吉林省", "吉林市"));
        assert_eq!(normalise("吉林吉林"), place("吉林省", "吉林市"));
        assert_eq!(normalise("吉林省长春市"), place("吉林省", "长春市"));
        assert_eq!(normalise("海南"), region(Some("海南省"), None));
        assert_eq!(normalise("海南海口"), place("海南省", "海口市"));
        assert_eq!(normalise("海南州"), place("青海省", "海南藏族自治州"));
        assert_eq!(normalise("青海海南"), place("青海省", "海南藏族自治州"));
        // Districts named like a city elsewhere.
        assert_eq!(normalise("朝阳区"), Region::default());
        assert_eq!(normalise("辽宁朝阳"), place("辽宁省", "朝阳市"));
        assert_eq!(normalise("河北区"), Region::default());
        assert_eq!(normalise("张家界"), place("湖南省", "张家界市"));
        assert_eq!(normalise("张家口"), place("河北省", "张家口市"));
    }

    #[test]
    fn other_provinces() {
        assert_eq!(normalise("广东省深圳市南山区"), place("广东省", "深圳市"));
        assert_eq!(normalise("河南郑州"), place("河南省", "郑州市"));
        assert_eq!(
            normalise("湖南湘西州"),
            place("湖南省", "湘西土家族苗族自治州")
        );
        assert_eq!(
            normalise("黑龙江大兴安岭"),
            place("黑龙江省", "大兴安岭地区")
        );
        assert_eq!(
            normalise("云南西双版纳"),
            place("云南省", "西双版纳傣族自治州")
        );
        assert_eq!(normalise("陕西西安"), place("陕西省", "西安市"));
        assert_eq!(normalise("山西太原"), place("山西省", "太原市"));
        assert_eq!(normalise("江西九江"), place("江西省", "九江市"));
    }

    #[test]
    fn unknown_parts_stay_none() {
        assert_eq!(normalise(""), Region::default());
        assert_eq!(normalise("火星"), Region::default());
        assert_eq!(normalise("江岸区"), Region::default());
        assert_eq!(normalise("湖北省某某县"), region(Some("湖北省"), None));
        // A city of another province does not override the province written.
        assert_eq!(normalise("湖北长沙"), region(Some("湖北省"), None));
        assert_eq!(normalise("台湾省台北市"), region(Some("台湾省"), None));
    }

    #[test]
    fn text_that_cleans_to_little_or_starts_with_junk() {
        assert_eq!(normalise("中国"), Region::default());
        assert_eq!(normalise(" / "), Region::default());
        assert_eq!(normalise("湖"), Region::default());
        assert_eq!(normalise("中国 北"), Region::default());
        assert_eq!(
            normalise("\u{FEFF}\u{200B}湖北·武汉"),
            place("湖北省", "武汉市")
        );
        assert_eq!(
            normalise("中华人民共和国 湖北省"),
            region(Some("湖北省"), None)
        );
        // A filler is recognised once the spaces and separators inside it are gone.
        assert_eq!(
            normalise("湖北省 省直辖县级 行政区划 / 天门市"),
            place("湖北省", "天门市")
        );
        assert_eq!(
            normalise("省直辖县级行政区划仙桃"),
            place("湖北省", "仙桃市")
        );
    }

    #[test]
    fn every_city_round_trips() {
        for province in PROVINCES {
            for &city in province.cities {
                let expected = place(province.name, city);
                assert_eq!(normalise(city), expected, "{city}");
                assert_eq!(
                    normalise(&format!("{}{city}", province.name)),
                    expected,
                    "{city}"
                );
                let short = short_name(city);
                assert_eq!(
                    normalise(&format!("{}{short}", province.short)),
                    expected,
                    "{city}"
                );
                assert_eq!(
                    normalise(&format!("{} {short}", province.name)),
                    expected,
                    "{city}"
                );
            }
        }
    }

    #[test]
    fn every_province_round_trips() {
        for province in PROVINCES {
            assert_eq!(
                normalise(province.name).province.as_deref(),
                Some(province.name)
            );
            assert_eq!(
                normalise(province.short).province.as_deref(),
                Some(province.name)
            );
            assert_eq!(
                normalise_province(province.short).as_deref(),
                Some(province.name)
            );
        }
    }

    #[test]
    fn helpers() {
        assert_eq!(normalise_province("湖北"), Some("湖北省".to_owned()));
        assert_eq!(normalise_province("武汉"), Some("湖北省".to_owned()));
        assert_eq!(normalise_province("火星"), None);
        assert_eq!(normalise_city("武汉"), Some(place("湖北省", "武汉市")));
        assert_eq!(normalise_city("湖北"), None);
    }

    #[test]
    fn display() {
        assert_eq!(place("湖北省", "武汉市").display(), "湖北省武汉市");
        assert_eq!(place("北京市", "北京市").display(), "北京市");
        assert_eq!(region(Some("湖北省"), None).display(), "湖北省");
        assert_eq!(Region::default().display(), "未知");
    }
}
