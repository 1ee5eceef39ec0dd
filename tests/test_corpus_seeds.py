"""Exact expected values of the loader on every seed document."""

from __future__ import annotations

import re

import pandas as pd
import pytest

SEEDS = {
    "000": dict(
        title="我校参加全国教育系统疫情防控工作视频会",
        institution="南开大学", institution_source="front_matter",
        date="2020-02-12 15:44:54", date_source="front_matter", signed_date=None,
        url="http://news.nankai.edu.cn/ywsd/system/2020/02/08/030037528.shtml",
        publisher=None, editor=None,
        first="南开新闻网讯（记者 吴军辉 摄影报道）2月7日，教育部召开全国教育系统应对新型冠状病毒感染肺炎疫情防控工作视频会议。",
        last="学校疫情防控协调工作组成员单位负责人、学校有关二级单位负责人一同参会。",
    ),
    "001": dict(
        title="我校召开党委常委会专题研究部署落实省教育系统疫情防控工作视频会议精神",
        institution="大连外国语大学", institution_source="metadata",
        date="2020-02-11", date_source="header", signed_date=None, url=None,
        publisher=None, editor="邴祎龙",
        first="2月10日，辽宁省召开教育系统新冠病毒疫情防控工作视频会议，我校疫情防控工作领导小组成员集体观看视频会议。",
        last=("会议号召，全校各级党组织和全体党员干部要进一步提高政治站位，发挥表率作用，不断增强“四个意识”、坚定“四个自信”、做到“两个维护”，"
              "把师生员工的生命安全和人民的身体健康放在第一位，切实增强做好疫情防控工作的责任感使命感；要准确把握、坚决贯彻执行习近平总书记关于疫情防控的系列重要讲话和指示批示精神，"
              "贯彻落实党中央、国务院和省委省政府的决策部署，把疫情防控工作作为深化“不忘初心、牢记使命”主题教育成果的重要检验，作为当前最重要的工作来抓，严肃认真地做好学校疫情防控的各项工作；"
              "全校各级党员干部要做到守土有责、守土担责、守土尽责，坚守岗位、扎实工作、共克时艰，确保校园平安健康，确保学校疫情防控工作取得最终胜利！"),
    ),
    "002": dict(
        title="南开大学参加全国学校安全工作视频会议",
        institution="南开大学", institution_source="body",
        date="2020-06-18", date_source="body", signed_date=None, url=None,
        publisher=None, editor=None,
        first="南开新闻网讯（记者 吴军辉摄影报道）为深入贯彻落实中央领导关于做好学校安全工作的重要指示批示和全国安全生产电视电话会议精神，6月18日，教育部、公安部联合在京召开全国学校安全工作视频会，部署各地结合疫情防控常态化实际，做好2020年全国学校安全工作。",
        last="杨庆山强调，要进一步强化落实，织密校园安全网，确保各项任务、举措、责任落实到位，千方百计保障师生安全，为学校改革事业发展，办好人民满意的教育奠定稳固的安全基石。",
    ),
    "003": dict(
        title="中共工业和信息化部党组关于进一步加强部属高校新冠肺炎疫情防控工作的通知",
        institution="哈尔滨工程大学", institution_source="front_matter",
        date="2020-03-01 03:37:07", date_source="front_matter", signed_date="2020-02-16",
        url="http://gongxue.cn/news/2020/202002/news_197728.html",
        publisher="中共工业和信息化部党组", editor=None,
        first="部属各高校党委：",
        last="各高校党委要坚决贯彻落实习近平总书记重要指示批示精神，按照党中央、国务院决策部署和部党组工作安排，压实压紧防控责任，不断完善防控方案，切实抓好工作落实，努力在大战中践行初心使命，在大考中交出合格答卷，坚决打赢疫情防控的阻击战。",
    ),
    "004": dict(
        title="学校采取各种措施做好新型冠状病毒感染的肺炎防控工作",
        institution="北京科技大学", institution_source="body",
        date="2020-01-27 23:22", date_source="header", signed_date=None, url=None,
        publisher=None, editor="杜嘉庆、邢华超",
        first="近期，湖北省武汉市等多个地区发生新型冠状病毒感染的肺炎疫情，牵动着全中国14亿同胞的心。",
        last="下一步，北京科技大学将持续认真学习贯彻习近平总书记在中共中央政治局常务委员会议上的重要讲话精神，全面落实党中央、国务院关于做好新型冠状病毒感染的肺炎疫情防控工作的决策部署，按照教育部、北京市相关要求，扎实开展学校新型冠状病毒感染的肺炎防控工作，努力营造安全祥和的校园环境，助力国家和首都打赢疫情防控阻击战！",
    ),
}
_SENTENCE = re.compile(r"[^。！？\n]+[。！？]?")


def _na(value):
    return None if pd.isna(value) else value


@pytest.mark.parametrize("seed", sorted(SEEDS))
@pytest.mark.parametrize("field", ["title", "institution", "institution_source", "date_source",
                                   "url", "publisher", "editor"])
def test_seed_fields(seed_docs, seed, field):
    assert _na(seed_docs.loc[seed, field]) == SEEDS[seed][field]


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_seed_dates(seed_docs, seed):
    want = SEEDS[seed]
    assert seed_docs.loc[seed, "date"] == pd.Timestamp(want["date"])
    signed = seed_docs.loc[seed, "signed_date"]
    assert (pd.isna(signed) and want["signed_date"] is None) or signed == pd.Timestamp(want["signed_date"])


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_seed_first_and_last_sentence(seed_docs, seed):
    sentences = _SENTENCE.findall(seed_docs.loc[seed, "text"])
    assert sentences[0].strip() == SEEDS[seed]["first"]
    assert sentences[-1].strip() == SEEDS[seed]["last"]


def test_seed_002_navigation_removed(seed_docs):
    text = seed_docs.loc["002", "text"]
    assert text.endswith("奠定稳固的安全基石。")
    for noise in ("金泽大学", "招生章程", "上一篇", "相关推荐", "未经允许不得转载", "03-16"):
        assert noise not in text


def test_no_markup_or_credit_lines_left(seed_docs):
    for text in seed_docs["text"]:
        for noise in ("![", "](", "**", "转入文章首发地址", "责任编辑", "责编", "稿件来源", ".jpg"):
            assert noise not in text


def test_punctuation_is_full_width_in_chinese(seed_docs):
    assert "，" in seed_docs.loc["004", "text"] and "," not in seed_docs.loc["004", "text"]
    assert "南开新闻网讯（记者" in seed_docs.loc["002", "text"]


def test_raw_text_kept_for_audit(seed_docs):
    assert "高考招生" in seed_docs.loc["002", "raw_text"]


def test_types_and_columns(seeds_loaded):
    docs, report = seeds_loaded
    assert str(docs["date"].dtype) == "datetime64[ns]"
    assert str(docs["signed_date"].dtype) == "datetime64[ns]"
    assert docs["doc_id"].is_unique
    assert (docs["n_chars"] == docs["text"].str.len()).all()
    assert docs["duplicate_of"].isna().all()
    assert {"note", "document_type", "region"} <= set(docs.columns)
    assert list(report["status"]) == ["loaded"] * 5 + ["skipped"]
    assert report.iloc[-1]["path"] == "metadata.csv"
