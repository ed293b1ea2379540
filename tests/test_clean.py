"""Cleaning: web debris out, repeats collapsed, whitespace normalised, paragraphs kept; metadata."""

from __future__ import annotations

import pytest

from rag.ingest.clean import clean_text, extract_metadata, is_meta_line


def paragraphs(raw: str) -> list[str]:
    return clean_text(raw).split("\n\n")


def test_paragraphs_are_separated_by_one_blank_line():
    assert clean_text("第一段。\n\n\n\n第二段。\n第三段。\n") == "第一段。\n\n第二段。\n\n第三段。"


def test_navigation_and_sharing_debris_is_removed():
    raw = "返回顶部\n标题在此\n正文第一句。\n分享到:\n相關文章:\n"
    assert paragraphs(raw) == ["标题在此", "正文第一句。"]


def test_news_recommendation_and_the_channel_list_after_it_are_removed():
    raw = "正文到此为止。(兰萍)\n  • 新闻推荐\n四川\n社会\n娱乐\n体育\n"
    assert paragraphs(raw) == ["正文到此为止。(作者:兰萍)"]


def test_follow_us_footer_is_removed_in_either_script():
    assert paragraphs("正文。\n瞭解安嶽動態 關注安嶽時事\n了解安岳动态 关注安岳时事") == ["正文。"]


def test_bare_urls_are_removed_and_the_rest_of_the_line_kept():
    raw = "http://www.scol.com.cn\u00a0\u00a0(2017-03-14 07:18:00)\u00a0\u00a0来源:内江日报\n正文。"
    assert paragraphs(raw) == ["(2017-03-14 07:18:00) 来源:内江日报", "正文。"]


def test_a_sites_footer_breadcrumb_and_buttons_are_removed():
    raw = ("当前位置：首页 > 政务公开 > 工作动态\n正文第一句。\n【打印本页】【关闭窗口】\n"
           "蜀ICP备05003831号 川公网安备51100202000101号 网站标识码：5110000012\n版权所有：某市人民政府\n技术支持：某网络公司")
    assert paragraphs(raw) == ["正文第一句。"]


def test_a_registration_or_copyright_line_goes_in_any_letter_case():
    assert paragraphs("正文。\n京ICP证000006号\nCopyright 2020 某某网 All Rights Reserved") == ["正文。"]


def test_a_body_sentence_naming_an_organiser_is_kept():
    raw = "主办单位：县扶贫开发办公室\n活动于5月9日在白马村举行。"
    assert paragraphs(raw) == ["主办单位：县扶贫开发办公室", "活动于5月9日在白马村举行。"]


def test_editor_credits_are_removed():
    assert paragraphs("正文。\n(责编:李敏军、陈露露)\n编辑:周海波兰萍\u00a0\u00a0") == ["正文。"]


def test_title_repeated_in_the_other_script_and_doubled_appears_once():
    trad = "安嶽縣2018年扶貧重點工作是哪些?推進情況如何?"
    simp = "安岳县2018年扶贫重点工作是哪些?推进情况如何?"
    raw = "\n".join([trad, simp, "正文一。", simp, "正文二。", simp + simp, simp + simp])
    assert paragraphs(raw) == [trad, "正文一。", "正文二。"]


def test_a_short_line_may_recur_when_not_the_title():
    raw = "标题\n问题一?\n办公室副主任黎泽伦\n回答一。\n问题二?\n办公室副主任黎泽伦\n回答二。"
    assert paragraphs(raw).count("办公室副主任黎泽伦") == 2


def test_a_long_repeated_sentence_is_collapsed():
    sentence = "这是一段很长的重复内容,网页模板把它在页面上打印了两次,读者只需要看到一次就够了。"
    assert paragraphs(f"标题\n{sentence}\n其他内容。\n{sentence}") == ["标题", sentence, "其他内容。"]


def test_full_width_and_non_breaking_spaces_are_normalised():
    raw = "\u3000\u3000黔江区瞄准2016年底,全面实现目标。\u00a0 \u00a0\n\u00a0\n撸起袖子加油干\u3000打赢脱贫攻坚战"
    assert paragraphs(raw) == ["黔江区瞄准2016年底,全面实现目标。", "撸起袖子加油干 打赢脱贫攻坚战"]


def test_layout_spaces_beside_chinese_punctuation_are_dropped():
    raw = "严格落实“三个必到”。 一是 人必到。实施 “产业+技能+就业”活动, 着力提振。"
    assert clean_text(raw) == "严格落实“三个必到”。一是 人必到。实施“产业+技能+就业”活动,着力提振。"


def test_a_line_cut_after_a_comma_is_joined_to_the_next():
    raw = "二是规划建设一批产业发展基础项目,\n\n重点对生产便道进行规划建设。\n\n三是另一件事。"
    assert paragraphs(raw) == ["二是规划建设一批产业发展基础项目,重点对生产便道进行规划建设。", "三是另一件事。"]


def test_headings_and_list_items_are_never_joined():
    assert paragraphs("# 标题,\n正文。") == ["# 标题,", "正文。"]
    assert paragraphs("包括以下几项,\n- 道路,\n1、水利,\n(一)住房。") == ["包括以下几项,", "- 道路,", "1、水利,", "(一)住房。"]


def test_nothing_left_gives_empty_text():
    assert clean_text("返回顶部\n\n分享到:\n   \n") == ""


def test_date_and_source_are_read_from_a_dateline():
    text = "藤县五大举措打赢脱贫攻坚收官之战\n\n2020年05月11日10:50 来源:人民网-广西频道\n\n5月9日,正文。"
    meta = extract_metadata(text)
    assert (meta.title, meta.date, meta.source) == ("藤县五大举措打赢脱贫攻坚收官之战", "2020-05-11", "人民网-广西频道")


def test_day_month_year_dates_are_normalised():
    assert extract_metadata("重庆扶贫专报\n\n22.12.2015 18:31\n\n正文。").date == "2015-12-22"


def test_iso_dates_and_traditional_source_labels_are_read():
    meta = extract_metadata("標題\n\n(2017-03-14 07:18:00) 來源:內江日報\n\n正文。")
    assert (meta.date, meta.source) == ("2017-03-14", "內江日報")


def test_a_date_in_the_body_is_not_the_publication_date():
    text = "标题\n\n" + "2016年11月18日上午一大早,村办公室便聚集了许多村民,当天农民夜校正式开班。" * 2
    assert extract_metadata(text).date == ""


def test_a_subtitle_after_a_dash_completes_the_title():
    text = "撸起袖子加油干 打赢脱贫攻坚战\n\n——内江深入推进脱贫攻坚工作综述\n\n正文。"
    assert extract_metadata(text).title == "撸起袖子加油干 打赢脱贫攻坚战——内江深入推进脱贫攻坚工作综述"


def test_a_bulletin_masthead_is_completed_by_the_article_title():
    text = "重庆扶贫专报第四十八期\n\n22.12.2015 18:31\n\n黔江区“五子”发力推进精准扶贫\n\n夯实脱贫根基\n\n正文。"
    assert extract_metadata(text).title == "重庆扶贫专报第四十八期 黔江区“五子”发力推进精准扶贫"


def test_a_running_header_kept_atop_the_text_is_completed_by_the_title_under_it():
    text = "平南县乡村振兴局\n\n关于光伏扶贫电站收益分配情况的通报\n\n各乡镇人民政府：现将情况通报如下。"
    assert extract_metadata(text, masthead="平南县乡村振兴局").title == "平南县乡村振兴局 关于光伏扶贫电站收益分配情况的通报"
    assert extract_metadata(text).title == "平南县乡村振兴局"


def test_a_dateline_before_the_title_is_no_title():
    assert extract_metadata("22.12.2015 18:31\n\n黔江区推进精准扶贫\n\n正文。").title == "黔江区推进精准扶贫"


def test_a_title_hint_wins_over_the_first_line():
    assert extract_metadata("# 一级标题\n\n正文。", title_hint="页面标题").title == "页面标题"


def test_a_first_line_that_is_a_sentence_is_not_a_title():
    assert extract_metadata("这是一句完整的话。\n\n正文。").title == ""


def test_datelines_are_meta_lines_and_prose_is_not():
    assert is_meta_line("2020年05月11日10:50 来源:人民网-广西频道")
    assert not is_meta_line("5月9日,脱贫攻坚战传来捷报。")


def test_a_closing_bracketed_name_is_marked_as_the_author():
    text = clean_text("坚决打赢脱贫攻坚这场硬仗。(兰萍)")
    assert text == "坚决打赢脱贫攻坚这场硬仗。(作者:兰萍)"


@pytest.mark.parametrize("ending", ["(完)", "(图)", "(二〇一七年三月)", "(记者 张三)"])
def test_other_closing_brackets_are_left_alone(ending):
    assert clean_text("坚决打赢脱贫攻坚这场硬仗。" + ending).endswith(ending)


def test_a_figure_chinese_type_broke_over_two_lines_is_joined_whole():
    from rag.ingest.clean import join_glue

    assert join_glue("选派了专职扶贫工作队员1", "946名") == ""
    assert join_glue("比上年增长8", ".6%") == ""
    assert join_glue("signed in 2019", "45 contracts") == " "


def test_an_english_sentence_ending_in_a_figure_keeps_its_space_before_the_next():
    from rag.ingest.clean import join_glue

    assert join_glue("The plan was approved in 2019.", "5 counties joined it") == " "
