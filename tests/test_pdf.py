import io

from pypdf import PdfReader

from unionhub.lib import pdf


def test_pdf_embeds_cjk_font_and_text_extracts():
    content = pdf.render(
        title="工会会员登记表",
        rows=[("姓名", "清小极"), ("工作单位", "能源与动力工程系")],
        paragraphs=["我自愿加入中华全国总工会，遵守工会章程。"],
        closing=["2025年4月15日"],
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "工会会员登记表" in text
    assert "清小极" in text
    assert "自愿加入中华全国总工会" in text
