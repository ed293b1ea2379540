"""The five seed reports: the sections a reader sees are the sections we detect, the page debris
is gone, the repeated title appears once, and no sentence of the cleaned text is lost."""

from __future__ import annotations

import pytest

from rag.config import Config
from rag.ingest.chunk import chunk_document
from rag.ingest.load import load_paths
from rag.ingest.sections import find_sections
from rag.text.normalize import compact
from rag.text.sentences import sentences

CONFIG = Config()
SEEDS = ["000_bebb5635b1c7aea1.txt", "001_402b0891d839cf2c.txt", "002_56ffc93fffebd40f.txt",
         "003_01805ac3adffc66a.txt", "004_befd111a20e1a564.txt"]
DEBRIS = ["返回顶部", "分享到", "相关文章", "相關文章", "新闻推荐", "http", "www.", "瞭解安嶽動態", "了解安岳动态",
          "关注安岳时事", "责编", "编辑:", "\u3000", "\u00a0"]


@pytest.fixture(scope="module")
def docs(seeds_dir):
    warnings: list[str] = []
    loaded = {d.doc: d for d in load_paths([seeds_dir], CONFIG, warn=warnings.append)}
    assert warnings == [] and sorted(loaded) == SEEDS
    return loaded


def outline(doc) -> dict[str, list[str]]:
    """Top-level section titles -> the titles directly under each."""
    tree: dict[str, list[str]] = {}
    for section in find_sections(doc.text):
        if len(section.path) == 1:
            tree.setdefault(section.path[0], [])
        elif len(section.path) == 2:
            tree.setdefault(section.path[0], []).append(section.path[1])
    return tree


def test_002_has_its_five_parts_with_their_numbered_items(docs):
    tree = outline(docs["002_56ffc93fffebd40f.txt"])
    assert tree == {
        "夯实脱贫根基": [],
        "一、精准对象“端盘子”": ["(一)密集式调研", "(二)战备式动员", "(三)立体式宣传", "(四)地毯式摸排"],
        "二、精准谋划“开方子”": ["(一)总体方案层层把关", "(二)脱贫项目量身定制"],
        "三、精准帮扶“引路子”": ["(一)结对全覆盖", "(二)帮扶全覆盖"],
        "四、精准施策“强里子”": ["(一)整合三大类资金", "(二)推行金融到户三大模式", "(三)出台社会保障两项政策"],
        "五、精准管理“除根子”": ["(一)建立一套真实数据", "(二)实现一批真实成果", "(三)完善一套长效机制"],
    }


def test_002_yi_shi_items_nest_under_their_numbered_item(docs):
    paths = {s.path for s in find_sections(docs["002_56ffc93fffebd40f.txt"].text)}
    assert ("三、精准帮扶“引路子”", "(二)帮扶全覆盖", "二是 心必到") in paths
    assert ("四、精准施策“强里子”", "(二)推行金融到户三大模式", "三是 金融机构“无抵押”贷款模式") in paths


def test_001_has_its_three_parts_subsections_and_qa_units(docs):
    tree = outline(docs["001_402b0891d839cf2c.txt"])
    assert list(tree) == ["01 全縣脫貧攻堅基本情況", "02 重點工作規劃及推進情況", "03 工作推進主要舉措",
                          "安嶽縣財政專項資金是怎麼構成的,主要用於那些方面?",
                          "今年安嶽貧困村公路建設方面推進情況如何,資金是如何構成的?",
                          "當前,安嶽農業產業發展的主要思路是什麼?推進中還面臨哪些困難,如何解決?"]
    assert tree["02 重點工作規劃及推進情況"] == ["全力推進基礎扶貧", "全力推進產業就業扶貧", "全力推進民生扶貧",
                                          "全力推進醫療扶貧", "全力推進金融扶貧", "全力推進教育扶貧"]
    assert tree["03 工作推進主要舉措"] == ["一是強化領導,完善政策", "二是完善機制,強化落實", "三是分類管理,分批推進",
                                    "四是強化幫扶,用力攻堅", "五是創新舉措,提質提效", "六是強化督查,嚴肅問責"]


def test_001_each_qa_unit_holds_question_speaker_and_whole_answer(docs):
    doc = docs["001_402b0891d839cf2c.txt"]
    qa = [s for s in find_sections(doc.text) if s.kind == "qa"]
    texts = [doc.text[s.start:s.end] for s in qa]
    assert texts[0].startswith("安嶽縣財政專項資金是怎麼構成的") and "副主任黎澤倫" in texts[0]
    assert "3141.6443萬元用於第二批項目資金安排" in texts[0]
    assert texts[1].startswith("近年來安嶽縣交通發展迅速") and "每公里10萬元以內" in texts[1]
    assert "主任 蒙志鴻" in texts[2] and "一是加強群眾思想教育" in texts[2] and "四是加強市場調研" in texts[2]


def test_001_title_appears_once_though_the_page_prints_it_six_times(docs):
    doc = docs["001_402b0891d839cf2c.txt"]
    key = compact("安岳县2018年扶贫重点工作是哪些?推进情况如何?")
    assert compact(doc.text).count(key) == 1
    assert sum(key in compact(c.text) for c in chunk_document(doc, CONFIG)) == 1
    assert doc.title.startswith("安嶽縣2018年扶貧重點工作是哪些") and doc.script == "traditional"


def test_004_has_its_quoted_character_headings(docs):
    assert list(outline(docs["004_befd111a20e1a564.txt"])) == [
        "“实”字当头,把责任扛在肩上", "“准”字着手,让扶贫成为真扶贫", "“施”字为重,开启脱贫攻坚加速度",
        "“聚”字牵头,奏响扶贫开发“大合唱”", "“智”字压轴,从根本切除“穷根”"]


def test_003_has_its_topic_lines_with_their_lead_topics(docs):
    tree = outline(docs["003_01805ac3adffc66a.txt"])
    assert [title[:8] for title in tree] == ["坚持以人民为中心", "坚持聚焦目标标准", "坚持落实精准扶贫", "坚持建立健全防贫",
                                             "坚持统筹抓好疫情"]
    assert tree["坚持以人民为中心的发展思想,全面落实脱贫攻坚政治责任领导责任工作责任"] == [
        "健全组织领导体系,五级书记抓扶贫", "健全投入保障体系,集中财力办大事", "健全工作推进体系,跟踪问效督落实",
        "健全考核问责体系,正风肃纪树导向"]
    assert [len(children) for children in tree.values()] == [4, 5, 3, 3, 4]


def test_000_has_its_lead_paragraph_topics_and_numbered_sub_items(docs):
    tree = outline(docs["000_bebb5635b1c7aea1.txt"])
    assert list(tree) == ["瞄准扶贫对象,政策措施落地落实", "紧盯问题短板,四大战役到点到位", "强化措施保障,脱贫成效扎实夯实",
                          "严抓资金落实,项目实施高位高效", "专项巡视“回头看”,整改措施量化细化"]
    assert tree["强化措施保障,脱贫成效扎实夯实"] == ["一是抓好产业发展工作", "二是加大就业转移力度", "三是强化政策兜底",
                                         "四是加快项目复工开工和资金支出进度"]


@pytest.mark.parametrize("name, title, date, source", [
    ("000_bebb5635b1c7aea1.txt", "藤县五大举措打赢脱贫攻坚收官之战", "2020-05-11", "人民网-广西频道"),
    ("002_56ffc93fffebd40f.txt", "重庆扶贫专报第四十八期 黔江区“五子”发力推进精准扶贫", "2015-12-22", ""),
    ("004_befd111a20e1a564.txt", "撸起袖子加油干 打赢脱贫攻坚战——内江深入推进脱贫攻坚工作综述", "2017-03-14", "内江日报"),
])
def test_seed_metadata_is_read_from_the_page(docs, name, title, date, source):
    doc = docs[name]
    assert (doc.title, doc.date, doc.source, doc.script) == (title, date, source, "simplified")


@pytest.mark.parametrize("name", SEEDS)
def test_page_debris_is_gone(docs, name):
    text = docs[name].text
    assert [d for d in DEBRIS if d in text] == []
    assert "\n\n\n" not in text and all(p == p.strip() for p in text.split("\n\n"))


@pytest.mark.parametrize("name", SEEDS)
def test_every_sentence_of_the_cleaned_text_is_in_a_chunk(docs, name):
    doc = docs[name]
    chunks = chunk_document(doc, CONFIG)
    for s in sentences(doc.text):
        assert any(c.start <= s.start and s.end <= c.end for c in chunks), doc.text[s.start:s.end]


@pytest.mark.parametrize("name", SEEDS)
def test_chunks_are_spans_with_body_text_and_bounded_size(docs, name):
    doc = docs[name]
    headings = {compact(t) for s in find_sections(doc.text) for t in s.path} | {compact(doc.title)}
    for chunk in chunk_document(doc, CONFIG):
        assert doc.text[chunk.start:chunk.end] == chunk.text and chunk.text.strip()
        own = [compact(chunk.text[s.start:s.end]).rstrip("。") for s in sentences(chunk.text)]
        assert any(sentence not in headings for sentence in own), f"heading-only chunk: {chunk.text!r}"
        assert len(chunk.text) <= 2 * CONFIG.chunk_size
