"""Reference data Sightline ships: vendors and their legal restrictions.

Every restriction carries its own source. Wikidata ids are the ones
OpenStreetMap mappers use in `manufacturer:wikidata` (checked against the
OSM surveillance snapshot in shared data) or published by Wikidata for the
company; where no id is established, none is given.
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
        "wikidata": "Q160120",
        "website": "https://www.huawei.com/",
        "restrictions": [*_restricted(FULL_SCOPE, FULL_SCOPE), ENTITY_LIST_2019_05],
    },
    {
        "name": "ZTE",
        "aliases": ["ZTE Corporation"],
        "country": "CN",
        "website": "https://www.zte.com.cn/",
        "restrictions": _restricted(FULL_SCOPE, FULL_SCOPE),
    },
    {
        "name": "Hikvision",
        "aliases": [
            "HK Vision",
            "Hangzhou Hikvision Digital Technology",
            "Hangzhou Hikvision Digital Technology Co., Ltd.",
        ],
        "country": "CN",
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
        "wikidata": "Q108485435",
        "website": "https://www.flocksafety.com/",
    },
    {
        "name": "Motorola Solutions",
        "aliases": ["Motorola", "Motorola Solutions, Inc."],
        "country": "US",
        "wikidata": "Q634815",
        "website": "https://www.motorolasolutions.com/",
    },
    {
        "name": "Avigilon",
        "aliases": ["Avigilon Corporation"],
        "country": "CA",
        "wikidata": "Q4828825",
        "website": "https://www.avigilon.com/",
        "parent": "Motorola Solutions",
    },
    {
        "name": "Pelco",
        "aliases": ["Pelco Inc."],
        "country": "US",
        "wikidata": "Q17143655",
        "website": "https://www.pelco.com/",
        "parent": "Motorola Solutions",
    },
    {
        "name": "Genetec",
        "aliases": ["Genetec Inc.", "AutoVu"],
        "country": "CA",
        "wikidata": "Q30295174",
        "website": "https://www.genetec.com/",
    },
    {
        "name": "Axis Communications",
        "aliases": ["Axis", "Axis Communications AB"],
        "country": "SE",
        "wikidata": "Q2347731",
        "website": "https://www.axis.com/",
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
        "wikidata": "Q910379",
        "website": "https://www.leonardo.com/",
    },
    {
        "name": "Rekor Systems",
        "aliases": ["Rekor", "Rekor Systems, Inc."],
        "country": "US",
        "website": "https://www.rekor.ai/",
    },
    {
        "name": "Neology",
        "aliases": ["Neology, Inc."],
        "country": "US",
        "wikidata": "Q130958232",
        "website": "https://www.neology.net/",
    },
    {
        "name": "Verkada",
        "aliases": ["Verkada Inc."],
        "country": "US",
        "wikidata": "Q106059747",
        "website": "https://www.verkada.com/",
    },
    {
        "name": "Ubicquia",
        "aliases": ["Ubicquia, Inc."],
        "country": "US",
        "website": "https://www.ubicquia.com/",
    },
    {
        "name": "Axon",
        "aliases": ["Axon Enterprise", "Axon Enterprise, Inc.", "TASER International"],
        "country": "US",
        "website": "https://www.axon.com/",
    },
    {
        "name": "SoundThinking",
        "aliases": ["ShotSpotter", "ShotSpotter, Inc.", "SoundThinking, Inc."],
        "country": "US",
        "wikidata": "Q107740188",
        "website": "https://www.soundthinking.com/",
    },
    {
        "name": "Hanwha Vision",
        "aliases": ["Hanwha", "Wisenet", "Hanwha Techwin", "Samsung Techwin"],
        "country": "KR",
        "wikidata": "Q52112789",
        "website": "https://www.hanwhavision.com/",
    },
    {
        "name": "Kapsch TrafficCom",
        "aliases": ["Kapsch"],
        "country": "AT",
        "wikidata": "Q1280482",
        "website": "https://www.kapsch.net/",
    },
]
