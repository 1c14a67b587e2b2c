"""Import of members (导入会员清单) from an xlsx or csv laid out as the roster. All or nothing.

The file is read once: every row is checked and kept in a compact form; duplicates are looked up within the file
and in the database through the keyed hashes. Only when no row is bad are people, memberships and their join
events written, in batches inside one transaction, with member numbers taken from the counter as one block.
"""

import csv
import datetime as dt
import io
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, JSONField, OuterRef
from django.utils import timezone
from django.utils.translation import gettext

from datawork import roster
from datawork.models import ImportJob
from members.models import MemberNumberCounter, Membership, MembershipEvent, MembershipStatus, Person
from members.services import dues_start_for
from unionhub.lib import clock, crypto, idnumber, storage
from unionhub.lib import phone as phones
from unionhub.lib.errors import BusinessError
from unionhub.lib.queueing import enqueue_on_commit

BATCH = 2000
HEADER_SCAN_ROWS = 10
MAX_UPLOAD_BYTES = 30 * 1024 * 1024
REPORT_SHOWN = 500  # bad rows kept on the job for its page; the downloadable report has them all
IMPORT_REASON = "导入会员清单"


def _clause(exc: ValidationError) -> str:
    """A validator's sentences as one clause of a row's error list, which is joined with "；" (no "。；")."""
    return "，".join(str(m).rstrip("。") for m in exc.messages)


@dataclass(slots=True)
class CleanRow:
    row: int
    name: str
    id_number: str
    id_hash: str
    phone: str
    nationality: str
    education: str
    household_type: str
    unit_name: str
    employment_type: str
    union_position: str
    hire_date: dt.date | None
    joined_on: dt.date
    dues_mode: str


# --- the stored upload ------------------------------------------------------------------------------------


UPLOADS = "imports"  # the folder of the uploads and reports in the private storage (unionhub.lib.storage)


def upload_dir() -> Path:
    """The uploads folder when the private storage is the local directory (the default)."""
    path = Path(settings.PRIVATE_MEDIA_ROOT) / UPLOADS
    path.mkdir(parents=True, exist_ok=True)
    return path


def stored_name(stored: str) -> str:
    return f"{UPLOADS}/{Path(stored).name}"


def stored_write(stored: str, data: bytes) -> None:
    storage.private_write(stored_name(stored), crypto.encrypt_bytes(data))


def stored_exists(stored: str) -> bool:
    return storage.private_exists(stored_name(stored))


def _read_stored(job: ImportJob) -> bytes:
    return crypto.decrypt_bytes(storage.private_read(stored_name(job.stored_file)))


def _drop_stored(job: ImportJob) -> None:
    if job.stored_file:
        storage.private_delete(stored_name(job.stored_file))


# --- reading rows -----------------------------------------------------------------------------------------


def _cell(value) -> str | dt.date:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_xlsx(data: bytes) -> tuple[Iterator[list], int]:
    """Rows of the first sheet, read with calamine (Rust): 100,000 rows in about a second, where openpyxl's
    read-only mode takes half a minute."""
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    return iter(sheet.iter_rows()), sheet.height


def _rows_csv(data: bytes) -> tuple[Iterator[list], int]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BusinessError("file_encoding", gettext("无法识别 CSV 文件的编码（请用 UTF-8 或 GB18030）。"))
    return csv.reader(io.StringIO(text)), text.count("\n") + 1


def read_rows(data: bytes, file_name: str) -> tuple[Iterator, int]:
    """Rows of cells (None for blank) and an estimate of their number."""
    if file_name.lower().endswith(".csv"):
        return _rows_csv(data)
    try:
        return _rows_xlsx(data)
    except Exception as exc:  # calamine raises several kinds for a file that is not a workbook
        raise BusinessError(
            "file_unreadable", gettext("无法读取该 Excel 文件，请使用导入模板（.xlsx）。")
        ) from exc


def _find_header(rows: Iterator) -> tuple[dict[str, int], int]:
    for number in range(1, HEADER_SCAN_ROWS + 1):
        row = next(rows, None)
        if row is None:
            break
        cells = [str(_cell(v)).replace("*", "").replace(" ", "") for v in row]
        if "姓名" in cells and "身份证号码" in cells:
            columns = {}
            for index, name in enumerate(cells):
                columns.setdefault(name, index)
            missing = [h for h in roster.ROSTER_HEADERS if h not in columns]
            if missing:
                raise BusinessError("missing_columns", "缺少列：" + "、".join(missing) + "。请使用导入模板。")
            return columns, number
    raise BusinessError("no_header", gettext("找不到表头（应含“姓名”“身份证号码”等列），请使用导入模板。"))


# --- checking one row -------------------------------------------------------------------------------------


def _date(value, label: str, errors: list[str], today: dt.date) -> dt.date | None:
    if value in ("", None):
        return None
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value).replace("/", "-").replace(".", "-"))
        except ValueError:
            errors.append(f"{label}：日期格式应为 2016-09-01")
            return None
    if day > today:
        errors.append(f"{label}：不能晚于今天")
        return None
    return day


def _enum(value: str, mapping: dict[str, str], label: str, errors: list[str]) -> str:
    if not value:
        return ""
    code = mapping.get(value.replace(" ", ""))
    if code is None:
        allowed = "、".join(dict.fromkeys(roster.reference_lists().get(label) or mapping))
        errors.append(f"{label}：“{value}”不在基础数据中（可填：{allowed}）")
        return ""
    return code


class RowChecker:
    """Checks rows one by one and remembers the hashes seen, for duplicates within the file."""

    def __init__(self, columns: dict[str, int], today: dt.date):
        self.columns = columns
        self.today = today
        self.seen_ids: dict[str, int] = {}
        self.seen_phones: dict[str, int] = {}
        # 100,000 rows repeat a few units, nationalities and dates: keep one object of each
        self.shared: dict = {}

    def share(self, value):
        return self.shared.setdefault(value, value)

    def value(self, row, header: str):
        index = self.columns.get(header)
        if index is None or index >= len(row):
            return ""
        return _cell(row[index])

    def check(self, number: int, row) -> tuple[CleanRow | None, list[str]]:
        errors: list[str] = []
        get = self.value
        name = str(get(row, "姓名"))
        if not name:
            errors.append("姓名：必填")
        elif len(name) > 50:
            errors.append("姓名：过长")
        gender = roster.GENDERS.get(str(get(row, "性别")))
        if not gender:
            errors.append("性别：应填“男”或“女”")
        id_number, id_hash = idnumber.normalize(str(get(row, "身份证号码"))), ""
        try:
            idnumber.validate(id_number, expected_gender=gender or None)
        except ValidationError as exc:
            errors.append("身份证号码：" + _clause(exc))
        else:
            id_hash = crypto.keyed_hash(id_number)
            first = self.seen_ids.setdefault(id_hash, number)
            if first != number:
                errors.append(f"身份证号码：与第 {first} 行重复")
        phone = str(get(row, "手机号码"))
        if phone:
            try:
                phone = phones.validate(phone)
            except ValidationError as exc:
                errors.append("手机号码：" + _clause(exc))
            else:
                first = self.seen_phones.setdefault(crypto.keyed_hash(phone), number)
                if first != number:
                    errors.append(f"手机号码：与第 {first} 行重复")
        unit = str(get(row, "所属单位"))
        position = str(get(row, "担任工会职务"))
        if len(unit) > 200:
            errors.append("所属单位：过长")
        if len(position) > 50:
            errors.append("担任工会职务：过长")
        nationality = str(get(row, "国籍")) or "中国"
        education = _enum(str(get(row, "学历")), roster.EDUCATIONS, "学历", errors)
        household = _enum(str(get(row, "户籍类型")), roster.HOUSEHOLD_TYPES, "户籍类型", errors)
        employment = _enum(str(get(row, "就业状况")), roster.EMPLOYMENT_TYPES, "就业状况", errors)
        dues_mode = _enum(str(get(row, "缴费方式")), roster.DUES_MODES, "缴费方式", errors) or "self_pay"
        hire_date = self.share(_date(get(row, "入职日期"), "入职日期", errors, self.today))
        joined_on = self.share(_date(get(row, "入会日期"), "入会日期", errors, self.today) or self.today)
        if not errors:
            born = idnumber.birth_date(id_number)
            if hire_date and hire_date < born:
                errors.append("入职日期：早于出生日期")
            if joined_on < born:
                errors.append("入会日期：早于出生日期")
        if errors:
            return None, errors
        return CleanRow(
            row=number,
            name=name,
            id_number=id_number,
            id_hash=id_hash,
            phone=phone,
            nationality=self.share(nationality[:40]),
            education=education,
            household_type=household,
            unit_name=self.share(unit),
            employment_type=employment,
            union_position=position,
            hire_date=hire_date,
            joined_on=joined_on,
            dues_mode=dues_mode,
        ), []


def _is_blank(row) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


# --- against the database ---------------------------------------------------------------------------------


def _check_against_database(rows: list[CleanRow]) -> tuple[dict[str, int], dict[int, list[str]]]:
    """Errors for people already members, names that differ from the registered person, and phones taken by
    someone else; and the registered people (not yet members) the import will join, by ID hash → person id.
    Works a batch at a time, so only what is found stays in memory."""
    open_membership = Membership.objects.filter(
        person=OuterRef("pk"), status__in=[MembershipStatus.ACTIVE, MembershipStatus.RETAINED]
    )
    existing: dict[str, int] = {}
    errors: dict[int, list[str]] = {}
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        found = {
            id_hash: (pk, name, is_member)
            for pk, id_hash, name, is_member in (
                Person.objects.filter(id_number_hash__in=[r.id_hash for r in batch])
                .annotate(is_member=Exists(open_membership))
                .values_list("pk", "id_number_hash", "name", "is_member")
            )
        }
        phone_hashes = {r.row: crypto.keyed_hash(r.phone) for r in batch if r.phone}
        owners = dict(
            Person.objects.filter(phone_hash__in=list(phone_hashes.values())).values_list("phone_hash", "pk")
        )
        for r in batch:
            person = found.get(r.id_hash)
            if person:
                pk, name, is_member = person
                if is_member:
                    errors.setdefault(r.row, []).append(
                        "身份证号码：此人已是工会会员（会员转会请走转会流程）"
                    )
                elif name != r.name:
                    errors.setdefault(r.row, []).append("姓名：与系统中该身份证号码登记的姓名不一致")
                else:
                    existing[r.id_hash] = pk
            owner = owners.get(phone_hashes.get(r.row))
            if owner is not None and (not person or owner != person[0]):
                errors.setdefault(r.row, []).append("手机号码：已被系统中其他人使用")
    return existing, errors


# --- writing ----------------------------------------------------------------------------------------------


def _member_numbers(rows: list[CleanRow]) -> dict[int, list[str]]:
    """One block of numbers per join year, taken from the locked counter (inside the caller's transaction)."""
    per_year: dict[int, int] = {}
    for r in rows:
        per_year[r.joined_on.year] = per_year.get(r.joined_on.year, 0) + 1
    numbers: dict[int, list[str]] = {}
    for year, count in sorted(per_year.items()):
        MemberNumberCounter.objects.get_or_create(year=year)
        counter = MemberNumberCounter.objects.select_for_update().get(pk=year)
        first = counter.last + 1
        counter.last += count
        counter.save(update_fields=["last"])
        numbers[year] = [f"{year}{n:07d}" for n in range(counter.last, first - 1, -1)]  # popped from the end
    return numbers


def _insert(model, objects: list) -> None:
    """Insert new rows and set their primary keys. On PostgreSQL: ids taken from the sequence in one query, rows
    sent with COPY (several times faster than INSERT for 100,000 rows); elsewhere bulk_create."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=BATCH)
        return
    table = model._meta.db_table
    fields = model._meta.concrete_fields
    now = timezone.now()
    # how each column's value is made, decided once per table rather than once per cell
    plan = [
        (
            f.attname,
            _AUTO_NOW
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else _ENCRYPTED
            if isinstance(f, crypto.EncryptedTextField)
            else _JSON
            if isinstance(f, JSONField)
            else _PLAIN,
        )
        for f in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with (
            connection.wrap_database_errors,
            cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy,
        ):
            for obj in objects:
                copy.write_row([_db_value(obj, attname, kind, now) for attname, kind in plan])


_PLAIN, _AUTO_NOW, _ENCRYPTED, _JSON = range(4)


def _db_value(obj, attname: str, kind: int, now):
    if kind == _AUTO_NOW:
        setattr(obj, attname, now)
        return now
    value = getattr(obj, attname)
    if kind == _ENCRYPTED:
        return crypto.encrypt(value) if value else value
    if kind == _JSON:
        return json.dumps(value)
    return value


def _write(
    *, job: ImportJob, rows: list[CleanRow], existing: dict[str, int], progress: Callable[[int], None]
) -> int:
    union, actor = job.union, job.uploaded_by
    with transaction.atomic():
        numbers = _member_numbers(rows)
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            new_people = []
            person_ids: list[int | None] = []
            for r in batch:
                known = existing.get(r.id_hash)
                if known:
                    person_ids.append(known)
                    continue
                person = Person(
                    name=r.name,
                    nationality=r.nationality,
                    education=r.education,
                    household_type=r.household_type,
                    unit_name=r.unit_name,
                    hire_date=r.hire_date,
                    employment_type=r.employment_type,
                    union_position=r.union_position,
                )
                person.set_id_number(r.id_number)
                person.set_phone(r.phone)
                new_people.append(person)
                person_ids.append(None)
            _insert(Person, new_people)
            created = iter(p.pk for p in new_people)
            person_ids = [pk if pk is not None else next(created) for pk in person_ids]
            memberships = [
                Membership(
                    person_id=pk,
                    union=union,
                    dues_mode=r.dues_mode,
                    joined_on=r.joined_on,
                    dues_start=dues_start_for(joined_on=r.joined_on, hire_date=r.hire_date),
                    member_no=numbers[r.joined_on.year].pop(),
                )
                for r, pk in zip(batch, person_ids, strict=True)
            ]
            _insert(Membership, memberships)
            _insert(
                MembershipEvent,
                [
                    MembershipEvent(
                        membership_id=m.pk,
                        kind=MembershipEvent.Kind.JOIN,
                        to_status="active",
                        to_union=union,
                        actor=actor,
                        on=m.joined_on,
                        reason=IMPORT_REASON,
                        detail={"import_job": job.pk},
                    )
                    for m in memberships
                ],
            )
            progress(start + len(batch))
    return len(rows)


# --- the job ----------------------------------------------------------------------------------------------


def progress_key(job_id: int) -> str:
    return f"member-import-progress:{job_id}"


def import_job_progress(job: ImportJob) -> dict:
    """What the progress bar shows. While the job runs (one transaction) its state lives in the cache."""
    finished = job.is_finished
    done, total, status = job.done, job.total, job.status
    live = cache.get(progress_key(job.pk)) if not finished else None
    if live:
        done, total, status = live["done"], live["total"], live["status"]
    return {
        "id": job.pk,
        "status": status,
        "status_label": str(ImportJob.Status(status).label),
        "finished": finished,
        "total": total,
        "done": done,
        "percent": int(done * 100 / total) if total else (100 if finished else 0),
        "created_count": job.created_count,
        "error_count": job.report.get("error_count", 0),
    }


def _set_progress(job: ImportJob, status: str, done: int, total: int) -> None:
    cache.set(progress_key(job.pk), {"status": status, "done": done, "total": total}, timeout=3600)


def _finish(job: ImportJob, status: str, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.status = status
    job.finished_at = clock.now()
    job.save()

    def committed():
        _drop_stored(job)
        cache.delete(progress_key(job.pk))

    transaction.on_commit(committed)


def member_import_run(*, job_id: int) -> ImportJob:
    """Check the whole file; write nothing unless every row is good.

    The run is one transaction that holds the job's row: a second delivery of the task skips a job being run, and
    if the worker dies, everything (the job's state included) rolls back, so a redelivery starts afresh. While it
    runs, the progress lives in the cache. A finished job is left alone."""
    failure = None
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("union", "uploaded_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None:  # being run by another worker
            return ImportJob.objects.get(pk=job_id)
        if job.status != ImportJob.Status.PENDING:
            return job
        _set_progress(job, ImportJob.Status.VALIDATING, 0, 0)
        try:
            with transaction.atomic():
                _run(job)
        except BusinessError as exc:
            _finish(
                job,
                ImportJob.Status.REJECTED,
                report={"file_error": exc.detail, "error_count": 1, "errors": []},
            )
        except IntegrityError:
            _finish(
                job,
                ImportJob.Status.FAILED,
                report={
                    "file_error": "导入时数据已发生变化（如同一人刚刚入会），未导入任何数据，请重新上传。",
                    "error_count": 1,
                    "errors": [],
                },
            )
        except Exception as exc:
            _finish(
                job,
                ImportJob.Status.FAILED,
                report={"file_error": "处理文件时出错，未导入任何数据。", "error_count": 1, "errors": []},
            )
            failure = exc
    if failure is not None:
        raise failure
    return job


class ErrorLog:
    """Errors by row number for the first `full` bad rows; past them only counts by column, so a file of a million
    bad rows keeps a bounded report."""

    def __init__(self, full: int):
        self.full = full
        self.rows: dict[int, list[str]] = {}
        self.names: dict[int, str] = {}
        self.more = Counter()
        self.count = 0

    def add(self, number: int, errors: list[str], name: str = "") -> None:
        if number in self.rows:
            self.rows[number].extend(errors)
            return
        self.count += 1
        if len(self.rows) < self.full:
            self.rows[number] = list(errors)
            self.names[number] = name
        else:
            self.more.update({error.split("：", 1)[0] for error in errors})

    def summary(self) -> str:
        if not self.more:
            return ""
        counts = "；".join(f"{label} {n} 行" for label, n in self.more.most_common())
        return f"另有 {self.count - len(self.rows)} 行有问题（只列出前 {self.full} 行），按列统计：{counts}"


def _too_many_rows(limit: int) -> BusinessError:
    return BusinessError(
        "too_many_rows", gettext("文件行数超过上限（%(n)s 行），请分成几个文件导入。") % {"n": limit}
    )


def _read_and_check(job: ImportJob) -> tuple[list[CleanRow], ErrorLog]:
    """Good rows and the errors. The workbook is released when this returns.

    Rows are counted as they are read, before each is checked: past IMPORT_MAX_ROWS the file is refused at once."""
    limit = settings.IMPORT_MAX_ROWS
    rows_in, estimate = read_rows(_read_stored(job), job.file_name)
    columns, header_row = _find_header(rows_in)
    checker = RowChecker(columns, clock.today())
    good: list[CleanRow] = []
    errors = ErrorLog(settings.IMPORT_REPORT_FULL_ROWS)
    total = max(estimate - header_row, 0)
    counted = 0
    _set_progress(job, ImportJob.Status.VALIDATING, 0, min(total, limit))
    for number, row in enumerate(rows_in, start=header_row + 1):
        if _is_blank(row):
            continue
        counted += 1
        if counted > limit:
            raise _too_many_rows(limit)
        clean, row_errors = checker.check(number, row)
        if row_errors:
            errors.add(number, row_errors, str(checker.value(row, "姓名"))[:50])
        else:
            good.append(clean)
        if number % 5000 == 0:
            _set_progress(job, ImportJob.Status.VALIDATING, min(number - header_row, total), total)
    return good, errors


def _report_csv(entries, file_error: str = "", summary: str = "") -> bytes:
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 CSV with a BOM correctly
    writer = csv.writer(out)
    writer.writerow(["行号", "姓名", "问题"])
    if file_error:
        writer.writerow(["", "", file_error])
    for item in entries:
        writer.writerow([item["row"], item["name"], "；".join(item["errors"])])
    if summary:
        writer.writerow(["", "", summary])
    return out.getvalue().encode()


def _store_report(entries, summary: str = "") -> str:
    """The bad rows (the first IMPORT_REPORT_FULL_ROWS in full, then counts), kept encrypted beside the uploads
    (the job row keeps only the first ones)."""
    stored = f"{uuid.uuid4().hex}.report.csv.enc"
    stored_write(stored, _report_csv(entries, summary=summary))
    return stored


def error_report_csv(job: ImportJob) -> bytes:
    """Every bad row with its reasons (row number and name, never the ID number)."""
    stored = job.report.get("report_file")
    if stored and stored_exists(stored):
        return crypto.decrypt_bytes(storage.private_read(stored_name(stored)))
    return _report_csv(
        job.report.get("errors", []), job.report.get("file_error", ""), job.report.get("summary", "")
    )


def _peak_rss_mb() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _run(job: ImportJob) -> ImportJob:
    started = time.perf_counter()
    good, errors = _read_and_check(job)
    counted = len(good) + errors.count
    if counted == 0:
        raise BusinessError("empty", gettext("文件中没有会员数据。"))
    job.total = counted
    timings = {
        "read_check_s": round(time.perf_counter() - started, 1),
        "peak_rss_after_read_mb": _peak_rss_mb(),
    }
    existing, db_errors = _check_against_database(good)
    timings["database_check_s"] = round(time.perf_counter() - started - timings["read_check_s"], 1)
    good_names = {r.row: r.name for r in good if r.row in db_errors}
    for row_no in sorted(db_errors):
        errors.add(row_no, db_errors[row_no], good_names.get(row_no, ""))
    if errors.count:
        del good, existing
        rows, names = errors.rows, errors.names
        entries = ({"row": n, "name": names.get(n, ""), "errors": rows[n]} for n in sorted(rows))
        summary = errors.summary()
        report = {
            "error_count": errors.count,
            "errors": [],
            "summary": summary,
            "report_file": _store_report(entries, summary),
        }
        report["errors"] = [
            {"row": n, "name": names.get(n, ""), "errors": rows[n]} for n in sorted(rows)[:REPORT_SHOWN]
        ]
        _finish(job, ImportJob.Status.REJECTED, done=counted, total=counted, report=report)
        return job
    _set_progress(job, ImportJob.Status.IMPORTING, 0, counted)
    created = _write(
        job=job,
        rows=good,
        existing=existing,
        progress=lambda done: _set_progress(job, ImportJob.Status.IMPORTING, done, counted),
    )
    timings["total_s"] = round(time.perf_counter() - started, 1)
    timings["peak_rss_mb"] = _peak_rss_mb()
    _finish(
        job,
        ImportJob.Status.DONE,
        done=counted,
        created_count=created,
        report={"error_count": 0, "errors": [], "linked_existing": len(existing), "timings": timings},
    )
    return job


# --- recovery: jobs that a lost worker or a lost queue message left pending --------------------------------

# The task that runs a job, looked up by its registered name: datawork.tasks imports this module to run jobs.
RUN_TASK = "members.tasks.member_import_run"
INTERRUPTED = "导入处理被中断（已自动重试 %(n)s 次），未导入任何数据。文件已保留，可点击“重新提交”再试。"


def import_jobs_recover(now=None) -> dict:
    """Beat task: every pending job not picked up for IMPORT_STALE_MINUTES is queued again, up to
    IMPORT_MAX_ATTEMPTS times, then marked failed with the reason shown on its page; its upload is kept for a retry.

    A job being run holds its row lock for the whole run (and the task has a hard time limit), so a pending row
    that can be locked is one nobody is running: its worker died, or its queue message was lost or never sent."""
    member_import_run = current_app.tasks[RUN_TASK]
    now = now or timezone.now()
    stale = now - dt.timedelta(minutes=settings.IMPORT_STALE_MINUTES)
    counts = {"requeued": 0, "failed": 0}
    with transaction.atomic():
        jobs = list(
            ImportJob.objects.select_for_update(skip_locked=True)
            .filter(status=ImportJob.Status.PENDING, queued_at__lt=stale)
            .order_by("pk")[:100]
        )
        for job in jobs:
            if job.attempts >= settings.IMPORT_MAX_ATTEMPTS:
                job.status = ImportJob.Status.FAILED
                job.finished_at = now
                job.report = {
                    "file_error": INTERRUPTED % {"n": job.attempts},
                    "error_count": 1,
                    "errors": [],
                    "can_retry": True,
                }
                job.save(update_fields=["status", "finished_at", "report"])
                counts["failed"] += 1
                continue
            job.attempts += 1
            job.queued_at = now
            job.save(update_fields=["attempts", "queued_at"])
            enqueue_on_commit(member_import_run, job.pk)
            counts["requeued"] += 1
    return counts


def import_job_retry(*, job: ImportJob, actor) -> ImportJob:
    """Submit a job that recovery gave up on once more, from its kept upload."""
    member_import_run = current_app.tasks[RUN_TASK]
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not (
            job.status == ImportJob.Status.FAILED
            and job.report.get("can_retry")
            and job.stored_file
            and stored_exists(job.stored_file)
        ):
            raise BusinessError("not_retryable", gettext("该导入不能重新提交，请重新上传文件。"))
        job.status, job.attempts, job.queued_at, job.finished_at = (
            ImportJob.Status.PENDING,
            0,
            timezone.now(),
            None,
        )
        job.report = {}
        job.save(update_fields=["status", "attempts", "queued_at", "finished_at", "report"])
        enqueue_on_commit(member_import_run, job.pk)
    return job


def template_workbook(out) -> None:
    """The downloadable template: the roster's headers and one example row, and the allowed values."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("会员清单")
    bold = Font(bold=True)
    header = []
    for title in roster.TEMPLATE_HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    for index, width in enumerate([6, 10, 6, 22, 8, 10, 14, 10, 24, 12, 14, 12, 12, 14]):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.append(header)
    example = [
        "1",
        "张三",
        "男",
        idnumber.make("420502", dt.date(1990, 1, 1), 11),
        "中国",
        "大学本科",
        "13800000000",
        "城镇",
        "宜昌电力设备有限公司",
        "在编/合同",
        "会员",
        "2018-03-01",
        "2018-05-01",
        "自行缴费",
    ]
    text_cells = []
    for value in example:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "@"
        text_cells.append(cell)
    sheet.append(text_cells)
    notes = workbook.create_sheet("填写说明")
    notes.append(["项目", "说明"])
    notes.append(["必填", "姓名、性别、身份证号码；其余可空。第一行示例请删除后再填写。"])
    notes.append(["日期", "格式如 2016-09-01；入会日期空则为导入当天。"])
    notes.append(["身份证号码", "18位，末位 X 大写；性别须与身份证号码一致。请将该列设为文本格式。"])
    for label, values in roster.reference_lists().items():
        notes.append([label, "、".join(values)])
    workbook.save(out)
