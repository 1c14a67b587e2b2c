"""Log records never carry an ID number or a mobile number in clear."""

import logging

from unionhub import idnumber, phone


def scrub(text: str) -> str:
    text = idnumber.CANDIDATE.sub(lambda m: idnumber.mask(m.group(0)), text)
    return phone.CANDIDATE.sub(lambda m: phone.mask(m.group(0)), text)


class MaskPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True

