"""HTML main-text extraction: rag's own reader (rag.ingest.load._read_html, called through
load_file) against trafilatura, on Chinese government / local-news article pages.

The five seeds (seeds/*.txt, each the plain text of such a page) are wrapped in four page
templates Chinese sites use: (a) a gov portal with pinyin class names (xl_con, zoom, TRS_Editor),
(b) a news portal with English class names and an <article>, (c) an HTML5 header/nav/main/aside
page, (d) an old nested-<table> page without classes, declared gb2312 and encoded GBK, its body
<br>-separated in a <td>.
Every page carries realistic boilerplate: nav bars, breadcrumbs, lists of 10-20 headlines, share,
print and comment bars, footers with 主办单位 / ICP备 / 网站标识码.

Per page and extractor: body recall (share of the seed's body sentences found in the text),
precision (share of extracted characters, title and date line aside, that are body text),
title right, date right, paragraph breaks kept (of adjacent body paragraphs found, how many are
still on separate lines), and time per page. trafilatura's text goes through rag's clean_text,
as it would if it replaced _read_html; its title and date are its own metadata.

Run:  .venv/bin/python eval/html_extract.py [--keep DIR]    (needs: pip install trafilatura==2.3.1
lxml_html_clean; trafilatura 2.3.1 does not import with lxml 6 without the latter)
"""

from __future__ import annotations

import re
import shutil
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import trafilatura

from rag.config import Config
from rag.ingest.clean import clean_text
from rag.ingest.load import load_file

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# per seed (non-empty lines, 0-based): title line, date line (None: the seed states none), first body line,
# lines dropped at the end (share bars, 新闻推荐), and the date/source its pages show (001, 003: invented).
SPEC = {"000": (0, 1, 2, 0, "2020-05-11 10:50", "人民网-广西频道"),
        "001": (0, None, 2, 5, "2018-05-16 09:30", "安岳县扶贫开发办公室"),
        "002": (0, 1, 2, 0, "2015-12-22 18:31", "政策法规处"),
        "003": (0, None, 1, 0, "2019-10-17 08:05", "河北日报"),
        "004": (1, 2, 5, 5, "2017-03-14 07:18", "内江日报")}
HEADLINES = """市政府召开常务会议研究部署近期重点工作|全市脱贫攻坚工作推进会召开
市委理论学习中心组开展专题学习|我市召开优化营商环境工作推进会
关于做好2020年春耕生产工作的通知|市人大常委会开展脱贫攻坚专项执法检查
副市长带队督导检查安全生产工作|全市农村人居环境整治现场推进会召开
我市多措并举稳就业保民生|关于公开征求《城市管理条例（草案）》意见的公告
市长主持召开防汛抗旱工作专题会|全市统计工作会议召开
市政府与省农业发展银行签署战略合作协议|我市12个项目入选省重点项目名单
关于2020年度市级财政预算执行情况的公示|全市教育工作会议暨表彰大会召开
市扶贫开发局开展“不忘初心、牢记使命”主题党日活动|我市新增3个国家级农业产业化龙头企业
市政务服务中心推行“一窗受理、集成服务”改革|国务院办公厅关于进一步优化营商环境的意见""".replace("\n", "|").split("|")
NAV = ["首页", "政务公开", "政务服务", "互动交流", "走进本市", "专题专栏", "数据开放"]
FOOTER = ("主办单位：市人民政府办公室　承办单位：市大数据中心　版权所有：市人民政府<br>"
          "蜀ICP备05003831号　川公网安备51100202000101号　网站标识码：5110000012　"
          "联系电话：0832-2022236　建议使用1366×768分辨率浏览")


def lis(n: int, start: int = 0, dated: bool = False) -> str:
    items = [HEADLINES[(start + i) % len(HEADLINES)] for i in range(n)]
    return "".join(f'<li><a href="/art/{start}{i}.html">{h}</a>' + (f"<span>2020-0{1 + i % 9}-1{i % 9}</span>"
                   if dated else "") + "</li>" for i, h in enumerate(items))


def gov_portal(s: dict) -> str:
    body = "".join(f'<p style="text-indent:2em">{p}</p>' for p in s["paras"])
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{s['title']}_内江市人民政府</title>
<meta name="ArticleTitle" content="{s['title']}"><meta name="PubDate" content="{s['date']}">
<meta name="ContentSource" content="{s['source']}"><script>var _hmt=_hmt||[];function doZoom(n){{}}</script></head>
<body><div class="top"><div class="logo"><img src="/images/logo.png" alt="内江市人民政府"></div><div class="ss">
<input type="text" value="请输入关键字"><a href="#">搜索</a></div></div>
<div class="dh"><ul>{''.join(f'<li><a href="#">{n}</a></li>' for n in NAV)}</ul></div>
<div class="wz">当前位置：<a href="/">首页</a> &gt; <a href="#">政务公开</a> &gt; <a href="#">工作动态</a></div>
<div class="xl_con"><div class="xl_left"><h1>{s['title']}</h1>
<div class="xl_xx">发布时间：{s['date']}　来源：{s['source']}　浏览次数：1326　【字体：<a href="javascript:doZoom(16)">大</a>
<a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a>】</div>
<div id="zoom"><div class="TRS_Editor">{body}</div></div>
<div class="xl_dy"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
<div class="sxp"><p>上一篇：<a href="#">{HEADLINES[3]}</a></p><p>下一篇：<a href="#">{HEADLINES[4]}</a></p></div></div>
<div class="xl_right"><div class="xglj"><div class="bt">相关链接</div><ul>{lis(10, 5)}</ul></div>
<div class="rdxw"><div class="bt">热点新闻</div><ul>{lis(12, 11, True)}</ul></div></div></div>
<div class="dbu"><div class="dbu_lj"><a href="#">网站地图</a> | <a href="#">联系我们</a> | <a href="#">隐私声明</a></div>
<p>{FOOTER}</p></div></body></html>"""


def news_portal(s: dict) -> str:
    body = "".join(f"<p>{p}</p>" for p in s["paras"])
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{s['title']}--四川频道--人民网</title>
<meta name="description" content="{s['paras'][0][:60]}"></head><body>
<div class="topbar"><a href="#">人民网</a> <a href="#">登录</a> <a href="#">注册</a></div>
<div class="nav"><ul>{''.join(f'<li><a href="#">{n}</a></li>' for n in ["首页", "时政", "社会", "财经", "扶贫", "文旅", "视频"])}</ul></div>
<div class="container"><div class="col-left"><article><h1>{s['title']}</h1>
<div class="meta">{s['dateline']}</div><div class="article-body">{body}</div>
<div class="editor">(责任编辑：王晓燕、李明)</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div></article>
<div class="related-news"><h3>相关新闻</h3><ul>{lis(8, 2)}</ul></div>
<div class="comments"><h3>网友评论</h3><p>已有0条评论，<a href="#">我要评论</a></p><textarea></textarea></div></div>
<div class="sidebar"><div class="hot"><h3>热点排行</h3><ol>{lis(10, 9)}</ol></div>
<div class="recommend"><h3>图片推荐</h3><ul>{lis(6, 15)}</ul></div></div></div>
<div class="footer"><p>人民网版权所有，未经书面授权禁止使用</p><p>Copyright © 1997-2020 by www.people.com.cn. all rights reserved</p></div>
</body></html>"""


def html5(s: dict) -> str:
    body = "".join(f"<p>{p}</p>" for p in s["paras"])
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{s['title']} - 四川省乡村振兴局</title></head><body>
<header><div class="logo">四川省乡村振兴局</div><nav><ul>{''.join(f'<li><a href="#">{n}</a></li>' for n in NAV)}</ul></nav></header>
<main><div class="crumb">您现在的位置：<a href="#">首页</a> &gt; <a href="#">工作动态</a> &gt; <a href="#">市州动态</a></div>
<h1>{s['title']}</h1><div class="info"><span>发布日期：{s['date'][:10]}</span><span>信息来源：{s['source']}</span>
<span>阅读量：871</span></div><div class="content">{body}</div>
<div class="pages"><p>上一篇：<a href="#">{HEADLINES[6]}</a></p><p>下一篇：<a href="#">{HEADLINES[7]}</a></p></div></main>
<aside><section><h2>最新动态</h2><ul>{lis(12, 1, True)}</ul></section><section><h2>专题专栏</h2><ul>{lis(6, 13)}</ul></section></aside>
<footer><p>{FOOTER}</p></footer></body></html>"""


def old_table(s: dict) -> str:
    body = "<br><br>".join("&nbsp;&nbsp;&nbsp;&nbsp;" + p for p in s["paras"])
    cell = lambda head, n, k: (f'<table width="100%" border="0"><tr><td bgcolor="#C00000"><font color="#FFFFFF"><b>'
                               f'{head}</b></font></td></tr>' + "".join(f'<tr><td>·<a href="#">{h}</a></td></tr>' for h in
                               [HEADLINES[(k + i) % len(HEADLINES)] for i in range(n)]) + "</table>")
    y, m, d = s["date"][:10].split("-")
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>{s['title']}_内江扶贫网</title></head>
<body topmargin="0"><table width="980" align="center" border="0" cellpadding="0" cellspacing="0">
<tr><td><img src="/images/banner.jpg" width="980" height="120"></td></tr>
<tr><td height="30" bgcolor="#B40000">{' | '.join(f'<a href="#"><font color="#FFFFFF">{n}</font></a>' for n in NAV)}</td></tr>
<tr><td><table width="100%" border="0"><tr><td width="240" valign="top">{cell("通知公告", 10, 0)}{cell("图片新闻", 8, 10)}</td>
<td valign="top"><table width="100%" border="0"><tr><td>您现在的位置：<a href="#">首页</a> &gt;&gt; <a href="#">扶贫动态</a> &gt;&gt; 正文</td></tr>
<tr><td align="center"><h1><font size="5">{s['title']}</font></h1></td></tr>
<tr><td align="center">发布时间：{int(y)}年{int(m)}月{int(d)}日　文章来源：{s['source']}　点击数：2045</td></tr>
<tr><td style="font-size:14px;line-height:28px">{body}</td></tr>
<tr><td align="right">【<a href="#">加入收藏</a>】【<a href="javascript:window.print()">打印此文</a>】【<a href="javascript:window.close()">关闭窗口</a>】</td></tr>
<tr><td>上一篇：<a href="#">{HEADLINES[8]}</a><br>下一篇：<a href="#">{HEADLINES[9]}</a></td></tr>
<tr><td>{cell("相关文章", 10, 4)}</td></tr></table></td></tr></table></td></tr>
<tr><td align="center" bgcolor="#EEEEEE">{FOOTER}<br>技术支持：内江网络科技有限公司</td></tr></table></body></html>"""


TEMPLATES = {"a gov portal": gov_portal, "b news portal": news_portal, "c html5": html5, "d old table": old_table}


def seeds() -> list[dict]:
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        t, dl, b, drop, date, source = SPEC[path.name[:3]]
        dateline = lines[dl] if dl is not None else f"{date}　来源：{source}"
        out.append({"name": path.stem, "title": lines[t], "paras": lines[b:len(lines) - drop], "date": date,
                    "source": source, "dateline": dateline.replace("http://www.scol.com.cn", "").strip()})
    return out


def norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def pieces(text: str) -> list[str]:
    """Sentences and lines, whitespace removed, markdown/table marks stripped; a bracketed line
    ((责编:李敏军), (兰萍)) is left out: rag's cleaning rewrites bylines for both extractors."""
    parts = re.split(r"(?<=[。！？!?])|\n", unicodedata.normalize("NFKC", text))
    return [p for p in (norm(p).strip("#*>|\\-") for p in parts) if p and not re.fullmatch(r"\(.*\)", p)]


INFO = re.compile(r"发布(时间|日期)|来源|^\d\d?\.\d\d?\.\d{4}")  # the page's date/source line: neither body nor noise


def score(seed: dict, text: str, title: str, date: str) -> dict:
    body = norm("\n".join(seed["paras"]))
    sentences = [p for p in pieces("\n".join(seed["paras"])) if len(p) >= 6]
    flat = norm(text)
    recall = sum(s in flat for s in sentences) / len(sentences)
    good = bad = junk = 0
    for p in pieces(text):
        if p in body:
            good += len(p)
        elif p not in norm(seed["title"]) and not INFO.search(p):
            bad, junk = bad + len(p), junk + 1
    # paragraph breaks: adjacent body paragraphs both found -> on separate lines, or run together?
    lines = "\n".join(norm(ln) for ln in text.splitlines() if ln.strip())
    kept = merged = 0
    for a, b in zip(seed["paras"], seed["paras"][1:]):
        a, b = norm(a)[-10:], norm(b)[:10]
        kept += f"{a}\n{b}" in lines
        merged += a + b in lines
    return {"recall": recall, "precision": good / (good + bad) if good + bad else 0.0, "junk": junk,
            "title": norm(title) == norm(seed["title"]), "date": date[:10] == seed["date"][:10],
            "wrong_date": bool(date) and date[:10] != seed["date"][:10],
            "breaks": kept / (kept + merged) if kept + merged else 0.0}


def ours(path: Path, data: bytes) -> tuple[str, str, str]:
    doc = load_file(path, path.name, Config())
    return doc.text, doc.title, doc.date


def trafila(mode: str):
    flags = {"default": {}, "recall": {"favor_recall": True}, "precision": {"favor_precision": True},
             # htmldate reads no 2020年5月11日; its extensive search then guesses 2020-01-01 from a bare year
             "strict date": {"date_extraction_params": {"extensive_search": False, "original_date": True}}}[mode]

    def run(path: Path, data: bytes) -> tuple[str, str, str]:
        doc = trafilatura.bare_extraction(data, include_tables=True, include_comments=False, with_metadata=True,
                                          **flags)
        return (clean_text(doc.text or ""), doc.title or "", doc.date or "") if doc else ("", "", "")
    return run


EXTRACTORS = {"rag _read_html": ours, "trafilatura": trafila("default"),
              "trafilatura recall": trafila("recall"), "trafilatura precision": trafila("precision"),
              "trafilatura strict date": trafila("strict date")}
COLS = ("recall", "precision", "junk", "title", "date", "wrong_date", "breaks", "ms")


def main(argv: list[str]) -> None:
    keep = Path(argv[argv.index("--keep") + 1]) if "--keep" in argv else None
    folder = keep or Path(tempfile.mkdtemp(prefix="html_extract_"))
    folder.mkdir(parents=True, exist_ok=True)
    rows: dict[tuple[str, str], list[dict]] = {}
    per_page: dict[str, list[str]] = {}
    for seed in seeds():
        for tname, template in TEMPLATES.items():
            html = template(seed)
            data = html.encode("gbk", "xmlcharrefreplace") if tname.startswith("d") else html.encode("utf-8")
            path = folder / f"{seed['name'][:3]}_{tname[0]}.html"
            path.write_bytes(data)
            for ename, extract in EXTRACTORS.items():
                extract(path, data)  # warm-up: first-call imports and caches are not per-page cost
                times = []
                for _ in range(3):
                    t0 = time.perf_counter()
                    text, title, date = extract(path, data)
                    times.append((time.perf_counter() - t0) * 1000)
                s = score(seed, text, title, date) | {"ms": statistics.median(times)}
                rows.setdefault((tname, ename), []).append(s)
                per_page.setdefault(ename, []).append(f"{path.stem} {s['recall']:.2f}/{s['precision']:.2f}/"
                                                      f"{s['junk']} {date[:10] or '-'}")
    if keep is None:
        shutil.rmtree(folder)
    print(f"pages {'in ' + str(folder) if keep else 'not kept (--keep DIR)'}: 5 seeds x {len(TEMPLATES)} templates. "
          "junk = boilerplate lines kept; title, date = share right; wrong_date = share with a wrong date; "
          "breaks = adjacent body paragraphs kept apart\n")
    print(f"| template | extractor | {' | '.join(COLS)} |\n|---|---|" + "---:|" * len(COLS))
    for tname in [*TEMPLATES, "all"]:
        for ename in EXTRACTORS:
            got = [s for (t, e), ss in rows.items() if e == ename and tname in (t, "all") for s in ss]
            cells = [f"{statistics.mean(float(s[c]) for s in got):.{1 if c in ('ms', 'junk') else 2}f}" for c in COLS]
            print(f"| {tname} | {ename} | {' | '.join(cells)} |")
    print("\nper page: recall/precision/junk date")
    for ename, items in per_page.items():
        print(f"  {ename}: " + "; ".join(items))


if __name__ == "__main__":
    main(sys.argv[1:])
