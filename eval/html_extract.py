"""HTML main-text extraction: rag's own reader (rag.ingest.load._read_html, called through
load_file) against trafilatura, on Chinese government / local-news article pages.

The five seeds (seeds/*.txt, each the plain text of such a page) are wrapped in page templates
Chinese sites use: (a) a gov portal with pinyin class names (xl_con, zoom, TRS_Editor),
(b) a news portal with English class names and an <article>, (c) an HTML5 header/nav/main/aside
page, (d) an old nested-<table> page without classes, declared gb2312 and encoded GBK, its body
<br>-separated in a <td>.
Every page carries realistic boilerplate: nav bars, breadcrumbs, lists of 10-20 headlines, share,
print and comment bars, footers with 主办单位 / ICP备 / 网站标识码.
rag's reader was tuned on a-d. e-i are a held-out set, written without reading its rules: (e) a
people.com.cn channel article, (f) a WeChat article saved as HTML, (g) a DedeCMS county page (GBK),
(h) an old bureau page with a data <table> in the body, no <h1> and a class-less link sidebar,
(i) a mobile page; their date lines use other formats (2020年5月11日, 2020/5/11, 2020.05.11).

Per page and extractor: body recall (share of the seed's body sentences found in the text),
precision (share of extracted characters, title and date line aside, that are body text),
title right, date right, paragraph breaks kept (of adjacent body paragraphs found, how many are
still on separate lines), table rows readable (h only), and time per page. trafilatura's text
goes through rag's clean_text, as it would if it replaced _read_html; its title and date are its
own metadata.

Run:  .venv/bin/python eval/html_extract.py [--templates e,f,g,h,i] [--examples] [--keep DIR]
(needs: pip install trafilatura==2.3.1 lxml_html_clean; trafilatura 2.3.1 does not import with
lxml 6 without the latter). --examples prints the commonest leaked lines and lost sentences.
"""

from __future__ import annotations

import re
import shutil
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
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


# ---- held-out templates (e-i), written without looking at rag's reader ----------------------------------------
SHORT = ["春耕备耕通知", "防汛值班安排", "招聘公告", "统计月报", "政务公开指南", "依申请公开", "领导信息", "机构职能", "政策解读",
         "人事信息", "财政预决算", "建议提案办理", "统计公报", "数据发布", "统计法规", "统计执法", "诚信建设", "党建工作", "专题专栏", "下载中心"]
CHANNELS = ["时政", "国际", "经济", "台湾", "教育", "科技", "体育", "文化", "社会", "健康", "旅游", "汽车", "地方", "视频"]
CAPTION = "表1 主要指标完成情况"
FIGURE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)([万萬亿億]?(?:元|人|户|戶|个|個|亩|畝|公里)|%)")


def when(s: dict, style: str) -> str:
    """The page's date as different sites print it."""
    y, m, d = (int(x) for x in s["date"][:10].split("-"))
    hm = s["date"][11:16]
    return {"cn": f"{y}年{m:02}月{d:02}日 {hm}", "cn short": f"{y}年{m}月{d}日 {hm}", "iso": f"{y}-{m:02}-{d:02}",
            "slash": f"{y}/{m}/{d}", "dot": f"{y}.{m:02}.{d:02} {hm}"}[style]


def links(names: list[str], sep: str = " | ") -> str:
    return sep.join(f'<a href="/{i}/">{n}</a>' for i, n in enumerate(names))


def ranked(n: int, start: int) -> str:
    return "".join(f'<li><span class="num{" top" if i < 3 else ""}">{i + 1}</span><a href="/n{i}.html">'
                   f"{HEADLINES[(start + i) % len(HEADLINES)]}</a></li>" for i in range(n))


def figures(s: dict) -> list[list[str]]:
    """A header and four figures of the seed's body (the words before a number, the number, its unit)."""
    rows: list[list[str]] = []
    for p in s["paras"]:
        for m in FIGURE.finditer(p):
            label = re.search(r"[\u4e00-\u9fff]*$", p[:m.start()]).group()[-8:]
            if len(label) >= 4 and len(rows) < 4 and all(label != r[1] for r in rows):
                rows.append([str(len(rows) + 1), label, m.group(1), m.group(2)])
    return [["序号", "指标", "数值", "单位"], *rows]


def people(s: dict) -> str:
    """(e) people.com.cn-style channel article: channel bars, (责编：…), 相关新闻, share icons, comment count,
    a numbered 排行榜 rail, a footer of link rows and licence numbers."""
    body = "".join(f"<p>　　{p}</p>" for p in s["paras"])
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{s['title']}--广西频道--人民网</title>
<meta name="keywords" content="脱贫攻坚"><meta name="publishdate" content="{when(s, 'iso')}">
<script src="/img/2020wbc/js/jquery.js"></script></head><body>
<div class="w1000 top"><div class="fl">{links(["人民网首页", "频道", "人民日报", "英文", "日文", "法文"])}</div>
<div class="fr"><a href="#">注册</a> <a href="#">登录</a></div></div>
<div class="w1000 header"><a href="/"><img src="/img/logo.png" alt="人民网"></a><span class="pindao">广西频道</span>
<div class="nav">{links(CHANNELS, " ")}</div><div class="subnav">{links(["广西要闻", "时政", "原创", "社会", "图片"], "｜")}</div></div>
<div class="main cf"><div class="layout rm_txt cf"><div class="col col-1 fl">
<div class="route"><a href="#">人民网</a>&gt;&gt;<a href="#">广西频道</a>&gt;&gt;<a href="#">原创稿件</a></div>
<h1>{s['title']}</h1><div class="col-1-1 fl">{when(s, 'cn')} | 来源：<a href="#">{s['source']}</a></div>
<div class="col-1-1 fr"><span>分享到：</span><a class="wx" title="微信"></a><a class="wb" title="微博"></a>
<a class="qq" title="QQ空间"></a><span class="sm">扫一扫在手机打开当前页</span></div>
<div class="rm_txt_con cf">{body}<div class="edit cf">(责编：韦衍行、章华维)</div></div>
<div class="rm_relevant cf"><div class="title">相关新闻</div><ul>{lis(6, 3)}</ul></div>
<div class="rm_comment"><span>评论(<em>23</em>)</span> <a href="#">我要评论</a> 已有<em>23</em>人参与</div>
<div class="share_box">分享让更多人看到 <a class="wx"></a><a class="wb"></a></div></div>
<div class="col col-2 fr"><div class="rm_ranking"><div class="title">排行榜</div><ol>{ranked(10, 6)}</ol></div>
<div class="rm_pic"><div class="title">图说广西</div><ul>{lis(4, 16)}</ul></div></div></div></div>
<div class="w1000 copyright"><p>{links(["人民日报社概况", "关于人民网", "报社招聘", "招聘英才", "广告服务", "合作加盟",
   "供稿服务", "网站声明", "网站地图", "在线评论", "问题反馈", "联系我们"])}</p>
<p>人民网版权所有，未经书面授权禁止使用</p><p>Copyright © 1997-2020 by www.people.com.cn. all rights reserved</p>
<p>互联网新闻信息服务许可证10120170001　京ICP证000006号　京公网安备11000002000008号</p>
<p>增值电信业务经营许可证B1-20060145　网络视听许可证0104065　违法和不良信息举报电话：010-65363263</p></div>
</body></html>"""


def wechat(s: dict) -> str:
    """(f) a WeChat public-account article saved from the browser: #js_content holding <section><span> soup with the
    account's own 关注/编辑/二维码 lines inside it, the meta line, 阅读原文, 在看/赞 bar, 留言, QR prompt."""
    def para(i: int, p: str) -> str:
        cut = max(p.find("，"), p.find(","), len(p) // 3)  # editors colour the first clause
        soup = (f'<section style="margin:0 8px;line-height:1.75em"><span style="font-size:15px">{p}</span></section>',
                '<p style="line-height:1.75em"><span style="font-size:15px"><strong><span style="color:#c00000">'
                + f'{p[:cut]}</span></strong>{p[cut:]}</span></p>',
                f'<section><section style="padding:0 8px"><p><span style="letter-spacing:1px">{p}</span></p>'
                + "</section></section>")
        return soup[i % 3] + ("<p><br></p>" if i % 2 else "")
    body = "".join(para(i, p) for i, p in enumerate(s["paras"]))
    img = '<p style="text-align:center"><img class="rich_pages wxw-img" data-src="https://mmbiz.qpic.cn/mmbiz_jpg/a/640"></p>'
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><meta property="og:title" content="{s['title']}">
<title>{s['title']}</title><script>var nickname = "{s['source']}"; var ct = "1589165400";</script></head>
<body id="activity-detail" class="zh_CN"><div id="js_article" class="rich_media"><div class="rich_media_inner">
<div id="page-content" class="rich_media_area_primary"><div class="rich_media_area_primary_inner"><div id="img-content" class="rich_media_wrp">
<h1 class="rich_media_title" id="activity-name">
          {s['title']}
</h1><div id="meta_content" class="rich_media_meta_list"><span class="rich_media_meta rich_media_meta_text">原创</span>
<span class="rich_media_meta rich_media_meta_text">李婷</span> <span class="rich_media_meta rich_media_meta_nickname" id="profileBt">
<a href="javascript:void(0);" id="js_name">{s['source']}</a></span>
<em id="publish_time" class="rich_media_meta rich_media_meta_text">{when(s, 'cn short')}</em></div>
<div class="rich_media_content" id="js_content" style="visibility:visible">
<section style="text-align:center"><span style="color:#888;font-size:12px">点击上方蓝字 关注我们</span></section>
{img}{body}{img}<section style="text-align:center"><span>END</span></section>
<section><span style="font-size:12px;color:#888">来源：{s['source']}</span></section>
<section><span style="font-size:12px;color:#888">编辑：李婷　审核：张强</span></section>
<section style="text-align:center"><img data-src="https://mmbiz.qpic.cn/qrcode.jpg"><p><span>长按识别二维码关注我们</span></p></section>
<section><span>分享、点赞、在看，三连走一波</span></section></div>
<div id="js_tags" class="article-tag__list">收录于话题 <span>#脱贫攻坚</span> <span>12个</span></div></div>
<div class="rich_media_tool" id="js_toobar3"><a id="js_view_source" href="#">阅读原文</a> <span>阅读 </span><span id="readNum3">2345</span>
<span id="like3"><span class="praise_num">56</span></span> <span class="media_tool_meta">在看</span> <span>8</span>
<a id="js_report_article3" href="#">投诉</a></div></div>
<div class="rich_media_area_extra"><div class="mpda_bottom_container"><p>喜欢此内容的人还喜欢</p><ul>{lis(3, 7)}</ul></div>
<div id="js_cmt_area"><p class="discuss_title">精选留言</p><a href="#">写留言</a><ul>
<li><span class="nickname">山里人家</span><p>为家乡的扶贫干部点赞！</p><span>赞 12</span></li>
<li><span class="nickname">小雨</span><p>我们村的路也修好了，感谢政府</p><span>赞 5</span></li></ul></div></div></div></div>
<div id="js_pc_qr_code" class="qr_code_pc_outer"><div class="qr_code_pc_inner"><img id="js_pc_qr_code_img">
<p>微信扫一扫<br>关注该公众号</p></div></div></div></body></html>"""


def dedecms(s: dict) -> str:
    """(g) a DedeCMS county site (GBK): <iframe> nav, <div class="con"> of Word-pasted <p style="text-indent:2em">
    with <font>/<span lang> runs and &nbsp; indents, 上一篇/下一篇, 收藏/挑错/打印, <div class="bottom">."""
    def para(p: str) -> str:
        runs = re.split(r"(\d+)", p)  # Word wraps numbers in their own run
        inner = "".join(f'<span lang="EN-US">{r}</span>' if r.isdigit() else f'<font face="仿宋_GB2312">{r}</font>'
                        for r in runs if r)
        return f'<p class="MsoNormal" style="text-indent:2em">&nbsp;&nbsp;{inner}<o:p></o:p></p>'
    side = lambda head, k: (f"<dl class='tbox light'><dt class='light'><strong>{head}</strong></dt><dd class='light'>"
                            f"<ul class='c1 ico2'>{lis(10, k)}</ul></dd></dl>")
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{s['title']}_安岳县人民政府</title><meta name="keywords" content="扶贫"><meta name="description" content="{s['paras'][0][:40]}">
<link href="/templets/default/style/dedecms.css" rel="stylesheet"></head><body class="articleview">
<iframe src="/top.html" width="1000" height="160" frameborder="0" scrolling="no"></iframe>
<div class="w960 center clear mt1"><div class="pleft"><div class="place"><strong>当前位置:</strong> <a href="/">主页</a> &gt;
<a href="/a/xw/">新闻中心</a> &gt; <a href="/a/xw/xz/">乡镇动态</a> &gt;</div><div class="viewbox"><div class="title"><h2>{s['title']}</h2></div>
<div class="info"><small>发布日期：</small>{when(s, 'iso')}&nbsp;&nbsp;<small>来源：</small>{s['source']}&nbsp;&nbsp;<small>作者：</small>admin
&nbsp;&nbsp;<small>点击：</small><script src="/plus/count.php?view=yes&aid=1234&mid=1"></script>次</div>
<div class="content"><table width="100%"><tr><td><div class="con">{''.join(para(p) for p in s['paras'])}</div></td></tr></table></div>
<div class="boxoff"><strong>------分隔线----------------------------</strong></div><div class="handle">
<div class="context"><ul><li>上一篇：<a href="/a/1233.html">{HEADLINES[10]}</a></li><li>下一篇：<a href="/a/1235.html">{HEADLINES[11]}</a></li></ul></div>
<div class="actbox"><ul><li id="act-fav"><a href="/plus/stow.php?aid=1234">收藏</a></li><li id="act-err"><a href="#">挑错</a></li>
<li id="act-pus"><a href="#">推荐</a></li><li id="act-pnt"><a href="#" onclick="window.print();">打印</a></li></ul></div></div></div></div>
<div class="pright">{side("推荐内容", 2)}{side("热点内容", 12)}</div></div>
<div class="bottom"><p>{links(["关于我们", "网站地图", "联系方式", "留言板"], " | ")}</p>
<p>Copyright &copy; 2012-2020 安岳县人民政府 版权所有　地址：安岳县岳阳镇兴安街10号　电话：028-24522110</p>
<p>蜀ICP备12008790号-1　技术支持：<a href="#">安岳县信息中心</a>　Powered by <a href="http://www.dedecms.com">DedeCMS</a></p></div>
</body></html>"""


def stats_table(s: dict) -> str:
    """(h) an old bureau page: search form with a <select>, no <h1>, a data <table> inside the body, and a sidebar of
    twenty short links with neither class nor id."""
    rows = figures(s)
    table = (f'<p align="center"><b>{CAPTION}</b></p><table border="1" cellspacing="0" cellpadding="4" align="center">'
             + "".join("<tr>" + "".join(f"<{'th' if i == 0 else 'td'}>{c}</{'th' if i == 0 else 'td'}>" for c in r)
                       + "</tr>" for i, r in enumerate(rows)) + "</table>")
    paras = [f"<p>{p}</p>" for p in s["paras"]]
    body = "".join(paras[:2]) + table + "".join(paras[2:])
    return f"""<html><head><meta charset="utf-8"><title>{s['title']}｜安岳县统计局</title></head><body>
<div id="top"><img src="/images/top.jpg"><form action="/search.jsp" method="get">站内搜索：<input type="text" name="keyword">
<select name="field"><option value="title">标题</option><option value="all">全文</option></select>
<input type="submit" value="检索"></form></div>
<div id="menu">{links(NAV + ["统计数据", "统计公报"], "")}</div>
<div style="width:980px;margin:0 auto"><div style="float:left;width:720px">
<div>您所在的位置：<a href="/">首页</a> » <a href="#">统计数据</a> » <a href="#">统计分析</a></div>
<div align="center" style="margin-top:20px"><strong><font size="4">{s['title']}</font></strong></div>
<div align="center" style="color:#666">作者：综合科　日期：{when(s, 'slash')}　阅读：335次</div><hr size="1">
<div style="font-size:14px;line-height:2">{body}</div>
<div align="right">【<a href="javascript:window.close()">关闭</a>】【<a href="javascript:window.print()">打印</a>】</div></div>
<div style="float:right;width:240px"><div><b>最新发布</b></div><div>{links(SHORT, "<br>")}</div></div></div>
<div style="clear:both;text-align:center">主办：安岳县统计局　地址：安岳县岳阳镇外南街　蜀ICP备05003831号-3</div>
</body></html>"""


def mobile(s: dict) -> str:
    """(i) a mobile gov page (m.xxx.gov.cn): <header> with back button and site name, dot dates, 推荐阅读 list,
    电脑版/手机版 footer, a fixed bottom bar."""
    body = "".join(f'<p>{p}</p>' + ('<p><img src="/m/pic.jpg"></p>' if i == 1 else "") for i, p in enumerate(s["paras"]))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1,user-scalable=no">
<title>{s['title']}</title><link rel="stylesheet" href="/m/css/wap.css"></head><body>
<header class="m-head"><a href="javascript:history.back()" class="back">&lt; 返回</a><div class="title">内江市人民政府</div>
<a class="menu" href="#">☰</a></header>
<div class="m-tabs">{links(["首页", "要闻", "公开", "服务", "互动"], "")}</div>
<div class="m-art"><div class="m-art-title">{s['title']}</div><div class="m-art-info"><span>{when(s, 'dot')}</span>
<span>{s['source']}</span></div><div class="m-art-con">{body}</div>
<div class="m-font">字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a></div></div>
<div class="m-more"><h3>推荐阅读</h3><ul>{lis(5, 9, True)}</ul></div>
<div class="m-foot"><p><a href="#">电脑版</a> | <a href="#">手机版</a></p><p>主办：内江市人民政府办公室</p>
<p>网站标识码：5110000012　蜀ICP备05003831号</p></div>
<div class="m-bar" style="position:fixed;bottom:0"><a href="/">首页</a><a href="#">分享</a><a href="#">收藏</a><a href="#top">顶部</a></div>
</body></html>"""


TEMPLATES = {"a gov portal": gov_portal, "b news portal": news_portal, "c html5": html5, "d old table": old_table,
             "e people.cn": people, "f wechat": wechat, "g dedecms gbk": dedecms, "h data table": stats_table,
             "i mobile": mobile}
GBK = {"d", "g"}  # templates declared gb2312 and encoded GBK


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


def date_forms(seed: dict) -> list[str]:
    return [when(seed, style).split(" ")[0] for style in ("cn", "cn short", "iso", "slash", "dot")]


def score(seed: dict, text: str, title: str, date: str, table: list[list[str]]) -> dict:
    """table: the rows of a data table the page carries in its body (its cells count as neither body nor noise;
    "table" = share of its rows found with their cells in order, kept apart (by a separator, or by punctuation and
    the column's name), on one line)."""
    body = norm("\n".join(seed["paras"]))
    sentences = [p for p in pieces("\n".join(seed["paras"])) if len(p) >= 6]
    flat = norm(text)
    found = [s in flat for s in sentences]
    cells = "|".join(re.escape(c) for c in sorted({norm(c) for r in table for c in r} | {norm(CAPTION)}, key=len)[::-1])
    good = bad = 0
    junk: list[str] = []
    for p in pieces(text):
        if p in body:
            good += len(p)
        elif table and not re.sub(cells, "", p).strip("|:-,;"):
            continue  # a line of the data table
        elif p not in norm(seed["title"]) and not INFO.search(p) and not (
                len(p) <= 60 and any(f in p for f in date_forms(seed))):
            bad += len(p)
            junk.append(p)
    # paragraph breaks: adjacent body paragraphs both found -> on separate lines, or run together?
    lines = "\n".join(norm(ln) for ln in text.splitlines() if ln.strip())
    kept = merged = 0
    for a, b in zip(seed["paras"], seed["paras"][1:]):
        a, b = norm(a)[-10:], norm(b)[:10]
        kept += f"{a}\n{b}" in lines
        merged += a + b in lines
    # a table row is readable if its cells come in order on one line, kept apart: by a space, a tab or |,
    # or by punctuation and its column's name (rag writes rows as `header：value，header：value`)
    raw = unicodedata.normalize("NFKC", text)
    apart = r"(?:[ \t|]+|[,;:][^\n,;:]{0,16}[,;:]?)"
    rows_ok = sum(bool(re.search(apart.join(map(re.escape, r)), raw)) for r in table)
    return {"recall": sum(found) / len(sentences), "precision": good / (good + bad) if good + bad else 0.0,
            "junk": len(junk), "title": norm(title) == norm(seed["title"]), "date": date[:10] == seed["date"][:10],
            "wrong_date": bool(date) and date[:10] != seed["date"][:10],
            "breaks": kept / (kept + merged) if kept + merged else 0.0,
            "table": rows_ok / len(table) if table else None,
            "_junk": junk, "_lost": [s for s, f in zip(sentences, found) if not f]}


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
COLS = ("recall", "precision", "junk", "title", "date", "wrong_date", "breaks", "table", "ms")


def cell(got: list[dict], col: str) -> str:
    vals = [float(s[col]) for s in got if s[col] is not None]
    return f"{statistics.mean(vals):.{1 if col in ('ms', 'junk') else 2}f}" if vals else "-"


def main(argv: list[str]) -> None:
    keep = Path(argv[argv.index("--keep") + 1]) if "--keep" in argv else None
    pick = argv[argv.index("--templates") + 1].split(",") if "--templates" in argv else [t[0] for t in TEMPLATES]
    templates = {t: f for t, f in TEMPLATES.items() if t[0] in pick}
    folder = keep or Path(tempfile.mkdtemp(prefix="html_extract_"))
    folder.mkdir(parents=True, exist_ok=True)
    rows: dict[tuple[str, str], list[dict]] = {}
    per_page: dict[str, list[str]] = {}
    for seed in seeds():
        for tname, template in templates.items():
            html = template(seed)
            data = html.encode("gbk", "xmlcharrefreplace") if tname[0] in GBK else html.encode("utf-8")
            path = folder / f"{seed['name'][:3]}_{tname[0]}.html"
            path.write_bytes(data)
            table = figures(seed) if template is stats_table else []
            for ename, extract in EXTRACTORS.items():
                extract(path, data)  # warm-up: first-call imports and caches are not per-page cost
                times = []
                for _ in range(3):
                    t0 = time.perf_counter()
                    text, title, date = extract(path, data)
                    times.append((time.perf_counter() - t0) * 1000)
                s = score(seed, text, title, date, table) | {"ms": statistics.median(times)}
                rows.setdefault((tname, ename), []).append(s)
                per_page.setdefault(ename, []).append(f"{path.stem} {s['recall']:.2f}/{s['precision']:.2f}/"
                                                      f"{s['junk']} {date[:10] or '-'}")
    if keep is None:
        shutil.rmtree(folder)
    print(f"pages {'in ' + str(folder) if keep else 'not kept (--keep DIR)'}: 5 seeds x {len(templates)} templates. "
          "junk = boilerplate lines kept; title, date = share right; wrong_date = share with a wrong date; "
          "breaks = adjacent body paragraphs kept apart; table = rows of (h)'s data table kept on one line\n")
    print(f"| template | extractor | {' | '.join(COLS)} |\n|---|---|" + "---:|" * len(COLS))
    for tname in [*templates, "all"]:
        for ename in EXTRACTORS:
            got = [s for (t, e), ss in rows.items() if e == ename and tname in (t, "all") for s in ss]
            print(f"| {tname} | {ename} | {' | '.join(cell(got, c) for c in COLS)} |")
    if "--examples" in argv:  # the commonest leaked lines and some lost sentences, per template
        print("\nexamples: junk lines kept (pages of 5) / body sentences lost")
        for tname in templates:
            for ename in ("rag _read_html", "trafilatura"):
                got = rows[(tname, ename)]
                top = Counter(j[:30] for s in got for j in s["_junk"]).most_common(4)
                lost = [f"{s['_lost'][0][:25]}…({len(s['_lost'])})" for s in got if s["_lost"]][:2]
                print(f"  {tname} / {ename}: junk {'; '.join(f'{j} x{n}' for j, n in top) or '-'}"
                      f" | lost {'; '.join(lost) or '-'}")
    print("\nper page: recall/precision/junk date")
    for ename, items in per_page.items():
        print(f"  {ename}: " + "; ".join(items))


if __name__ == "__main__":
    main(sys.argv[1:])
