"""Measure the member import and the roster export on a generated file (time and peak memory of this process).

    python manage.py data_bench generate --rows 100000 --file var/bench-members.xlsx
    python manage.py data_bench import --file var/bench-members.xlsx     # into a new union of its own
    python manage.py data_bench export --union CODE
    python manage.py data_bench export-job --union CODE                  # the whole subtree, as the job runs

Run each step as its own process: peak RSS is the process's own maximum.
"""

import datetime as dt
import resource
import time

from django.core.management.base import BaseCommand, CommandError

from datawork import export_jobs, exports, imports, roster, services
from members.models import Union, UnionLevel, User
from unionhub.lib import idnumber


def _peak_mb() -> float:
    """This process's own peak RSS. The kernel's VmHWM starts afresh at exec; ru_maxrss does not (a process started
    by a large parent reports the parent's size), so it is only the fallback where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Benchmark the member import and the roster export."

    def add_arguments(self, parser):
        parser.add_argument("step", choices=["generate", "import", "export", "export-job"])
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--file", default="var/bench-members.xlsx")
        parser.add_argument("--union", default="")

    def handle(self, *args, step, rows, file, union, **options):
        started = time.perf_counter()
        if step == "generate":
            self._generate(rows, file)
        elif step == "import":
            self._import(file)
        elif step == "export-job":
            job = self._export_job(union)
            self.stdout.write(
                f"export-job: {time.perf_counter() - started:.1f} s, peak RSS {_peak_mb():.0f} MB, "
                f"{job.row_count} rows, {job.sheets} sheets"
            )
            return
        else:
            self._export(union)
        self.stdout.write(f"{step}: {time.perf_counter() - started:.1f} s, peak RSS {_peak_mb():.0f} MB")

    def _export_job(self, code: str):
        target = Union.objects.filter(code=code).first()
        if target is None:
            raise CommandError(f"No union {code}")
        admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
            "bench-admin", password=None
        )
        job = export_jobs.export_job_create(actor=admin, union=target, kind="roster")
        job = export_jobs.export_job_run(job_id=job.pk)  # in this process, as the heavy worker runs it
        if job.status != "done":
            raise CommandError(f"export job {job.pk} ended {job.status}")
        export_jobs.export_storage().delete(job.stored_file)
        return job

    def _generate(self, rows: int, file: str) -> None:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("会员清单")
        sheet.append(roster.TEMPLATE_HEADERS)
        prefixes = ["420502", "420503", "420504", "420505", "420506", "420525", "420526", "420527"]
        for n in range(rows):
            born = dt.date(1960, 1, 1) + dt.timedelta(days=(n // 1000) % 14000)
            male = n % 2 == 1
            number = idnumber.make(prefixes[(n // 1000) // 14000 % len(prefixes)], born, n % 1000)
            sheet.append(
                [
                    str(n + 1),
                    f"测试{n:06d}",
                    "男" if male else "女",
                    number,
                    "中国",
                    "大学本科",
                    f"15{n:09d}",
                    "城镇",
                    f"测试单位{n % 500}",
                    "在编/合同",
                    "",
                    "2015-07-01",
                    "2016-09-01",
                    "自行缴费",
                ]
            )
        workbook.save(file)

    def _import(self, file: str) -> None:
        from django.db import transaction

        code = f"BENCH-{int(time.time())}"
        city = Union.objects.filter(parent__isnull=True).first() or Union.objects.create(
            name="基准市总工会", code=f"{code}-C", level=UnionLevel.CITY
        )
        union = Union(
            name=f"基准测试工会 {code}",
            code=code,
            level=UnionLevel.GRASSROOTS,
            parent=city,
            accepts_members=True,
        )
        union.save()
        actor = User.objects.filter(is_superuser=True).first()
        if actor is None:
            raise CommandError("needs a superuser to act as the uploader")
        with open(file, "rb") as handle:
            data = handle.read()
        with transaction.atomic():
            job = services.import_job_create(union=union, actor=actor, file_name="bench.xlsx", data=data)
            job_id = job.pk
        # the on-commit queueing runs it when Celery is eager; run it here otherwise
        job = imports.member_import_run(job_id=job_id)
        job.refresh_from_db()
        self.stdout.write(
            f"union {code}: {job.get_status_display()}, {job.created_count} members, "
            f"{job.report.get('error_count', 0)} bad rows, {job.report.get('timings')}"
        )

    def _export(self, code: str) -> None:
        union = Union.objects.get(code=code)
        actor = User.objects.filter(is_superuser=True).first()
        out, count = exports.roster_export(actor=actor, union=union)
        out.seek(0, 2)
        self.stdout.write(f"roster of {union.name}: {count} members, {out.tell() / 1e6:.1f} MB")
        out.close()
