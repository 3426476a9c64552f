"""Reference data Sightline ships: vendors and their legal restrictions.

Every restriction carries its own source. Wikidata ids are the ones
OpenStreetMap mappers use in `manufacturer:wikidata` (checked against the
OSM surveillance snapshot in shared data) or published by Wikidata for the
company; where no id is established, none is given. `kinds` are the kinds of
device a vendor makes (OSM's `surveillance:type` values), `aliases` the
spellings met in OSM and DeFlock data, and `parent` the company that owns
the brand, only where the acquisition is on record (Motorola Solutions:
Avigilon 2018, Vigilant 2019, Pelco 2020; Canon: Axis 2015; Amazon: Ring
2018, Blink 2017; Teledyne: FLIR 2021; Cubic: Gridsmart 2019; Konica
Minolta: the majority of Mobotix 2016; Neology: 3M's licence-plate readers,
PIPS, 2017; Hikvision: EZVIZ, its consumer brand, made a company of its own
and held by it since 2015). A restriction on a company reaches the brands it
owns: the laws name each company "and its subsidiaries and affiliates".
"""

FCC_COVERED_LIST = {
    "regime": "fcc_covered_list",
    "effective_date": "2021-03-12",
    "source_url": "https://docs.fcc.gov/public/attachments/DA-21-309A1.pdf",
    "source_title": "FCC Public Notice DA 21-309, List of Equipment and Services "
    "Covered by Section 2 of the Secure Networks Act (12 March 2021); see also "
    "order FCC 22-84 (2022): no new equipment authorisations",
}
NDAA_889 = {
    "regime": "ndaa_889",
    "effective_date": "2019-08-13",
    "source_url": "https://www.acquisition.gov/far/52.204-25",
    "source_title": "Pub. L. 115-232 §889 (John S. McCain NDAA for FY2019); FAR 52.204-25; "
    "2 CFR 200.216",
}
ENTITY_LIST_2019_05 = {
    "regime": "us_entity_list",
    "effective_date": "2019-05-16",
    "source_url": "https://www.federalregister.gov/documents/2019/05/21/2019-10616/"
    "addition-of-entities-to-the-entity-list",
    "source_title": "84 FR 22961, Addition of Entities to the Entity List (Huawei and "
    "affiliates), effective 16 May 2019",
}
ENTITY_LIST_2019_10 = {
    "regime": "us_entity_list",
    "effective_date": "2019-10-09",
    "source_url": "https://www.federalregister.gov/documents/2019/10/09/2019-22210/"
    "addition-of-certain-entities-to-the-entity-list",
    "source_title": "84 FR 54002, Addition of Certain Entities to the Entity List "
    "(28 entities, Xinjiang), 9 October 2019",
}
ENTITY_LIST_2020_06 = {
    "regime": "us_entity_list",
    "effective_date": "2020-06-05",
    "source_url": "https://www.federalregister.gov/documents/2020/06/05/2020-10869/"
    "addition-of-certain-entities-to-the-entity-list-revision-of-existing-entries-on-"
    "the-entity-list",
    "source_title": "85 FR 34495, Addition of Certain Entities to the Entity List, 5 June 2020",
}
PUBLIC_SAFETY_SCOPE = (
    "To the extent used for public safety, security of government facilities, "
    "physical security surveillance of critical infrastructure, and other national "
    "security purposes."
)
FULL_SCOPE = "All covered telecommunications and video surveillance equipment and services."


def _restricted(fcc_scope: str, ndaa_scope: str) -> list[dict]:
    return [
        {**FCC_COVERED_LIST, "scope": fcc_scope},
        {**NDAA_889, "scope": ndaa_scope},
    ]


VENDORS = [
    # Restricted vendors (GUIDE: FCC Covered List, NDAA §889, Entity List)
    {
        "name": "Huawei",
        "aliases": ["Huawei Technologies", "Huawei Technologies Co., Ltd."],
        "country": "CN",
        "kinds": ["camera"],
        "wikidata": "Q160120",
        "website": "https://www.huawei.com/",
        "restrictions": [*_restricted(FULL_SCOPE, FULL_SCOPE), ENTITY_LIST_2019_05],
    },
    {
        "name": "ZTE",
        "aliases": ["ZTE Corporation"],
        "country": "CN",
        "kinds": ["camera"],
        "website": "https://www.zte.com.cn/",
        "restrictions": _restricted(FULL_SCOPE, FULL_SCOPE),
    },
    {
        "name": "Hikvision",
        "aliases": [
            "HK Vision",
            "Hik Vision",
            "Hangzhou Hikvision Digital Technology",
            "Hangzhou Hikvision Digital Technology Co., Ltd.",
        ],
        "country": "CN",
        "kinds": ["camera", "ALPR"],
        "wikidata": "Q5760704",
        "website": "https://www.hikvision.com/",
        "restrictions": [
            *_restricted(PUBLIC_SAFETY_SCOPE, PUBLIC_SAFETY_SCOPE),
            ENTITY_LIST_2019_10,
        ],
    },
    {
        "name": "Dahua Technology",
        "aliases": ["Dahua", "Zhejiang Dahua Technology"],
        "country": "CN",
        "kinds": ["camera", "ALPR"],
        "website": "https://www.dahuasecurity.com/",
        "restrictions": [
            *_restricted(PUBLIC_SAFETY_SCOPE, PUBLIC_SAFETY_SCOPE),
            ENTITY_LIST_2019_10,
        ],
    },
    {
        "name": "Hytera",
        "aliases": ["Hytera Communications", "Hytera Communications Corporation"],
        "country": "CN",
        "website": "https://www.hytera.com/",
        "restrictions": _restricted(PUBLIC_SAFETY_SCOPE, PUBLIC_SAFETY_SCOPE),
    },
    {
        "name": "SenseTime",
        "aliases": ["Beijing SenseTime Technology Development"],
        "country": "CN",
        "website": "https://www.sensetime.com/",
        "restrictions": [ENTITY_LIST_2019_10],
    },
    {
        "name": "Megvii",
        "aliases": ["Megvii Technology", "Face++"],
        "country": "CN",
        "website": "https://www.megvii.com/",
        "restrictions": [ENTITY_LIST_2019_10],
    },
    {
        "name": "Yitu Technology",
        "aliases": ["Yitu", "Shanghai Yitu Network Technology"],
        "country": "CN",
        "restrictions": [ENTITY_LIST_2019_10],
    },
    {
        "name": "iFlytek",
        "aliases": ["iFLYTEK Co., Ltd.", "Iflytek"],
        "country": "CN",
        "website": "https://www.iflytek.com/",
        "restrictions": [ENTITY_LIST_2019_10],
    },
    {
        "name": "CloudWalk Technology",
        "aliases": ["CloudWalk", "Chongqing CloudWalk Technology"],
        "country": "CN",
        "restrictions": [ENTITY_LIST_2020_06],
    },
    # Common vendors in North America and Europe
    {
        "name": "Flock Safety",
        "aliases": ["Flock", "Flock Group Inc.", "Flock Safety Inc."],
        "country": "US",
        "kinds": ["ALPR", "camera", "gunshot_detector"],
        "wikidata": "Q108485435",
        "website": "https://www.flocksafety.com/",
    },
    {
        "name": "Motorola Solutions",
        "aliases": ["Motorola", "Motorola Solutions, Inc."],
        "country": "US",
        "kinds": ["ALPR", "camera"],
        "wikidata": "Q634815",
        "website": "https://www.motorolasolutions.com/",
    },
    {
        "name": "Avigilon",
        "aliases": ["Avigilon Corporation"],
        "country": "CA",
        "kinds": ["camera", "ALPR"],
        "wikidata": "Q4828825",
        "website": "https://www.avigilon.com/",
        "parent": "Motorola Solutions",
    },
    {
        "name": "Pelco",
        "aliases": ["Pelco Inc."],
        "country": "US",
        "kinds": ["camera"],
        "wikidata": "Q17143655",
        "website": "https://www.pelco.com/",
        "parent": "Motorola Solutions",
    },
    {
        "name": "Genetec",
        "aliases": ["Genetec Inc.", "AutoVu"],
        "country": "CA",
        "kinds": ["ALPR", "camera"],
        "wikidata": "Q30295174",
        "website": "https://www.genetec.com/",
    },
    {
        "name": "Axis Communications",
        "aliases": ["Axis", "Axis Communications AB"],
        "country": "SE",
        "kinds": ["camera", "ALPR"],
        "wikidata": "Q2347731",
        "website": "https://www.axis.com/",
        "parent": "Canon",
    },
    {
        "name": "Leonardo",
        "aliases": [
            "Leonardo S.p.A.",
            "ELSAG",
            "Leonardo US Cyber and Security Solutions",
            "Leonardo US Cyber and Security Solutions, Inc.",
        ],
        "country": "IT",
        "kinds": ["ALPR"],
        "wikidata": "Q910379",
        "website": "https://www.leonardo.com/",
    },
    {
        "name": "Rekor Systems",
        "aliases": ["Rekor", "Rekor Systems, Inc.", "OpenALPR"],
        "country": "US",
        "kinds": ["ALPR"],
        "website": "https://www.rekor.ai/",
    },
    {
        "name": "Neology",
        "aliases": ["Neology, Inc."],
        "country": "US",
        "kinds": ["ALPR"],
        "wikidata": "Q130958232",
        "website": "https://www.neology.net/",
    },
    {
        "name": "Verkada",
        "aliases": ["Verkada Inc."],
        "country": "US",
        "kinds": ["camera", "ALPR"],
        "wikidata": "Q106059747",
        "website": "https://www.verkada.com/",
    },
    {
        "name": "Ubicquia",
        "aliases": ["Ubicquia, Inc."],
        "country": "US",
        "kinds": ["ALPR", "camera"],
        "website": "https://www.ubicquia.com/",
    },
    {
        "name": "Axon",
        "aliases": ["Axon Enterprise", "Axon Enterprise, Inc.", "TASER International"],
        "country": "US",
        "kinds": ["ALPR", "camera"],
        "website": "https://www.axon.com/",
    },
    {
        "name": "SoundThinking",
        "aliases": ["ShotSpotter", "ShotSpotter, Inc.", "SoundThinking, Inc."],
        "country": "US",
        "kinds": ["gunshot_detector"],
        "wikidata": "Q107740188",
        "website": "https://www.soundthinking.com/",
    },
    {
        "name": "Hanwha Vision",
        "aliases": [
            "Hanwha",
            "Wisenet",
            "Hanwha Techwin",
            "Samsung Techwin",
            "Samsung",
            "Samsung Wisenet",
            "Wisenet Hanwha",
        ],
        "country": "KR",
        "kinds": ["camera"],
        "wikidata": "Q52112789",
        "website": "https://www.hanwhavision.com/",
    },
    {
        "name": "Kapsch TrafficCom",
        "aliases": ["Kapsch"],
        "country": "AT",
        "kinds": ["ALPR"],
        "wikidata": "Q1280482",
        "website": "https://www.kapsch.net/",
    },
    # Owners of the brands above and below
    {
        "name": "Canon",
        "aliases": ["Canon Inc."],
        "country": "JP",
        "kinds": ["camera"],
        "website": "https://global.canon/",
    },
    {
        "name": "Amazon",
        "aliases": ["Amazon.com", "Amazon.com, Inc."],
        "country": "US",
        "kinds": ["camera"],
        "wikidata": "Q3884",
        "website": "https://www.amazon.com/",
    },
    {
        "name": "Konica Minolta",
        "aliases": ["Konica Minolta, Inc."],
        "country": "JP",
        "kinds": ["camera"],
        "website": "https://www.konicaminolta.com/",
    },
    {
        "name": "Cubic",
        "aliases": ["Cubic Corporation", "Cubic Transportation Systems"],
        "country": "US",
        "kinds": ["camera"],
        "website": "https://www.cubic.com/",
    },
    {
        "name": "Teledyne Technologies",
        "aliases": ["Teledyne"],
        "country": "US",
        "kinds": ["camera"],
        "website": "https://www.teledyne.com/",
    },
    # Licence-plate readers, traffic and gunshot detection, seen in OSM and
    # DeFlock data (manufacturer, brand and their :wikidata tags)
    {
        "name": "Vigilant Solutions",
        "aliases": ["Vigilant", "Vigilant Solutions, LLC"],
        "country": "US",
        "kinds": ["ALPR"],
        "parent": "Motorola Solutions",
    },
    {
        "name": "Ekin",
        "aliases": ["Ekin Technology", "Ekin Teknoloji", "EKIN Smart City"],
        "country": "TR",
        "kinds": ["ALPR", "camera"],
    },
    {
        "name": "Insight LPR",
        "aliases": ["Insight", "Insight LPR, LLC"],
        "country": "US",
        "kinds": ["ALPR"],
    },
    {
        "name": "LiveView Technologies",
        "aliases": ["LVT", "LiveView Technologies, Inc.", "Live View Technologies"],
        "country": "US",
        "kinds": ["camera", "ALPR"],
        "wikidata": "Q125470303",
        "website": "https://www.lvt.com/",
    },
    {
        "name": "Obvio",
        "aliases": ["Obvio.ai", "Obvio AI"],
        "country": "US",
        "kinds": ["ALPR", "camera"],
    },
    {
        "name": "Tattile",
        "aliases": ["Tattile S.r.l.", "Tatille"],
        "country": "IT",
        "kinds": ["ALPR"],
        "website": "https://www.tattile.com/",
    },
    {
        "name": "PIPS Technology",
        "aliases": ["PIPS", "PIPS Technology Ltd"],
        "country": "GB",
        "kinds": ["ALPR"],
        "parent": "Neology",
    },
    {
        "name": "TransCore",
        "aliases": ["TransCore, LP"],
        "country": "US",
        "kinds": ["ALPR"],
        "website": "https://transcore.com/",
    },
    {
        "name": "Verra Mobility",
        "aliases": ["Verra Mobility Corporation"],
        "country": "US",
        "kinds": ["ALPR", "camera"],
        "website": "https://www.verramobility.com/",
    },
    {
        "name": "MPH Industries",
        "aliases": ["MPH Industries, Inc."],
        "country": "US",
        "kinds": ["ALPR"],
        "wikidata": "Q134970740",
    },
    {
        "name": "Siemens",
        "aliases": ["Siemens AG", "Siemens Mobility"],
        "country": "DE",
        "kinds": ["ALPR", "camera"],
        "wikidata": "Q81230",
        "website": "https://www.siemens.com/",
    },
    {
        "name": "Gridsmart",
        "aliases": ["GRIDSMART Technologies", "Gridsmart Bell Camera", "GRIDSMART Bell"],
        "country": "US",
        "kinds": ["camera"],
        "website": "https://gridsmart.com/",
        "parent": "Cubic",
    },
    {
        "name": "Miovision",
        "aliases": ["Miovision Technologies"],
        "country": "CA",
        "kinds": ["camera"],
        "wikidata": "Q135256606",
        "website": "https://miovision.com/",
    },
    # CCTV makers seen in OSM data
    {
        "name": "Panasonic",
        "aliases": ["Panasonic Corporation"],
        "country": "JP",
        "kinds": ["camera"],
        "website": "https://www.panasonic.com/",
    },
    {
        "name": "i-PRO",
        "aliases": ["iPro", "i-PRO Co., Ltd.", "Panasonic i-PRO Sensing Solutions"],
        "country": "JP",
        "kinds": ["camera"],
        "website": "https://i-pro.com/",
    },
    {
        "name": "Bosch",
        "aliases": ["Robert Bosch", "Bosch Security Systems", "Bosch Security and Safety Systems"],
        "country": "DE",
        "kinds": ["camera", "ALPR"],
        "wikidata": "Q234021",
        "website": "https://www.bosch.com/",
    },
    {
        "name": "Ring",
        "aliases": ["Ring Inc", "Ring LLC"],
        "country": "US",
        "kinds": ["camera"],
        "website": "https://ring.com/",
        "parent": "Amazon",
    },
    {
        "name": "Blink",
        "aliases": ["Blink Home", "Blink Home Monitoring"],
        "country": "US",
        "kinds": ["camera"],
        "website": "https://blinkforhome.com/",
        "parent": "Amazon",
    },
    {
        "name": "EZVIZ",
        "aliases": ["Ezviz", "Hangzhou EZVIZ Network", "Hangzhou EZVIZ Network Co., Ltd."],
        "country": "CN",
        "kinds": ["camera"],
        "website": "https://www.ezviz.com/",
        "parent": "Hikvision",
    },
    {
        "name": "Teledyne FLIR",
        "aliases": ["FLIR", "FLIR Systems", "FLIR Systems, Inc."],
        "country": "US",
        "kinds": ["camera"],
        "website": "https://www.flir.com/",
        "parent": "Teledyne Technologies",
    },
    {
        "name": "Mobotix",
        "aliases": ["MOBOTIX AG"],
        "country": "DE",
        "kinds": ["camera"],
        "website": "https://www.mobotix.com/",
        "parent": "Konica Minolta",
    },
    {
        "name": "Ubiquiti",
        "aliases": ["Ubiquiti Inc.", "Ubiquiti Networks"],
        "country": "US",
        "kinds": ["camera"],
        "website": "https://www.ui.com/",
    },
    {
        "name": "Uniview",
        "aliases": ["UNV", "Zhejiang Uniview Technologies"],
        "country": "CN",
        "kinds": ["camera"],
        "wikidata": "Q108131557",
        "website": "https://www.uniview.com/",
    },
    {
        "name": "Reolink",
        "aliases": ["Reolink Innovation"],
        "country": "CN",
        "kinds": ["camera"],
        "website": "https://reolink.com/",
    },
    {
        "name": "Arlo",
        "aliases": ["Arlo Technologies"],
        "country": "US",
        "kinds": ["camera"],
        "wikidata": "Q60740820",
        "website": "https://www.arlo.com/",
    },
    {
        "name": "LT Security",
        "aliases": ["LTS", "LT Security Incorporated", "LT Security Inc."],
        "country": "US",
        "kinds": ["camera", "ALPR"],
        "wikidata": "Q134970684",
    },
    {
        "name": "Comelit",
        "aliases": ["Comelit Group"],
        "country": "IT",
        "kinds": ["camera"],
    },
    {
        "name": "ABUS",
        "aliases": ["ABUS Security Center", "ABUS August Bremicker Söhne"],
        "country": "DE",
        "kinds": ["camera"],
        "website": "https://www.abus.com/",
    },
    {
        "name": "eneo",
        "aliases": ["eneo Security"],
        "country": "DE",
        "kinds": ["camera"],
    },
    {
        "name": "Funkwerk",
        "aliases": ["Funkwerk AG", "Funkwerk video systeme"],
        "country": "DE",
        "kinds": ["camera"],
        "website": "https://www.funkwerk.com/",
    },
    {
        "name": "DEKOM",
        "aliases": ["DEKOM Video Security & Network"],
        "country": "DE",
        "kinds": ["camera"],
    },
    {
        "name": "Intelbras",
        "aliases": ["Intelbras S.A."],
        "country": "BR",
        "kinds": ["camera"],
    },
    {
        "name": "Sony",
        "aliases": ["Sony Corporation", "Sony Group"],
        "country": "JP",
        "kinds": ["camera"],
        "website": "https://www.sony.com/",
    },
    {
        "name": "Videotec",
        "aliases": ["Videotec S.p.A."],
        "country": "IT",
        "kinds": ["camera"],
    },
]


# The values OpenStreetMap mappers give `operator:type` (its wiki's
# Key:operator:type and the tags in the data), each with its label; Sightline's
# OperatorType holds them beside the kinds oversight asks about (police, city,
# transport, school). An operator made from the data takes its type from
# these.
OPERATOR_TYPES = [
    {"value": "public", "label": "public body"},
    {"value": "government", "label": "government"},
    {"value": "private", "label": "private business"},
    {"value": "business", "label": "business"},
    {"value": "community", "label": "community or homeowners' association"},
    {"value": "religious", "label": "religious"},
    {"value": "ngo", "label": "non-governmental organisation"},
    {"value": "private_non_profit", "label": "private non-profit"},
    {"value": "cooperative", "label": "cooperative"},
    {"value": "consortium", "label": "consortium"},
    {"value": "military", "label": "military"},
    {"value": "individual", "label": "individual"},
]
# Other spellings of a type met in the data, and what they mean.
OPERATOR_TYPE_SPELLINGS = {
    "police": "police",
    "municipal": "city",
    "municipality": "city",
    "city": "city",
    "local_authority": "government",
    "local_government": "government",
    "state": "government",
    "federal": "government",
    "governmental": "government",
    "university": "school",
    "school": "school",
    "education": "school",
    "association": "ngo",
    "charity": "ngo",
    "non_profit": "private_non_profit",
    "nonprofit": "private_non_profit",
    "private_for_profit": "business",
    "company": "business",
    "commercial": "business",
    "church": "religious",
    "transport": "transport",
    "public_transport": "transport",
}
