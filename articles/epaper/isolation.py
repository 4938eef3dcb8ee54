"""Running the PDF operations (pdf.py) in a child process with a memory and a time limit.

The web worker or task worker that asks waits for the child's answer and turns whatever
went wrong into one line of Chinese: a refusal (damaged, encrypted…), a PDF too complex to
draw within NEWSROOM_EPAPER_SECONDS, or one that needs more than NEWSROOM_EPAPER_MEMORY_MB.
"""

import json
import logging
import signal
import subprocess
import sys
import tempfile
import threading

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

logger = logging.getLogger(__name__)

_one_at_a_time = threading.BoundedSemaphore(1)
# How a child dies at its limits: SIGKILL (the timeout), SIGXCPU (CPU seconds), and SIGABRT or
# SIGSEGV when PDFium cannot allocate under the memory limit (it aborts, it raises nothing).
OUT_OF_LIMITS = {signal.SIGKILL, signal.SIGXCPU, signal.SIGABRT, signal.SIGSEGV}


def max_bytes():
    return settings.NEWSROOM_EPAPER_MAX_BYTES


def read_upload(file):
    """The bytes of an uploaded file, refused if it is too large; the file is left at its start."""
    limit = max_bytes()
    if file.size is not None and file.size > limit:
        raise ValidationError(
            f"PDF 文件太大({filesizeformat(file.size)}),不能超过 {filesizeformat(limit)}。"
        )
    file.seek(0)
    data = file.read(limit + 1)
    file.seek(0)
    if len(data) > limit:
        raise ValidationError(f"PDF 文件太大,不能超过 {filesizeformat(limit)}。")
    return data


def run(operation, data, **options):
    """The result of pdf.OPERATIONS[operation](data, **options), run in a child process;
    a ValidationError with one line for the editor if it refused or failed."""
    seconds = settings.NEWSROOM_EPAPER_SECONDS
    limits = {
        "memory_bytes": settings.NEWSROOM_EPAPER_MEMORY_MB * 1024 * 1024,
        "cpu_seconds": seconds,
    }
    # One child at a time per process, so a machine's worst case is its processes times the
    # memory limit, not its threads too.
    if not _one_at_a_time.acquire(timeout=seconds):
        raise ValidationError("正在处理其他 PDF,请稍后再试。")
    try:
        return _run(operation, data, options | limits, seconds)
    finally:
        _one_at_a_time.release()


def _run(operation, data, options, seconds):
    try:
        child = subprocess.run(
            [sys.executable, "-m", "articles.epaper.pdf", operation, json.dumps(options)],
            input=data,
            capture_output=True,
            cwd=settings.BASE_DIR,
            timeout=seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ValidationError(
            f"PDF 太复杂,{seconds} 秒内没能处理完(可能是嵌套过深的图形),请简化后重新导出。"
        ) from None
    try:
        answer = json.loads(child.stdout)
    except ValueError:
        answer = {}
    if "result" in answer:
        return answer["result"]
    if "refused" in answer:
        raise ValidationError(answer["refused"])
    if answer.get("too_big") or -child.returncode in OUT_OF_LIMITS:
        logger.warning("PDF %s over the limits (exit %s)", operation, child.returncode)
        raise ValidationError("PDF 太复杂,处理所需的内存或时间超过了限制,请简化后重新导出。")
    logger.error("PDF %s failed (exit %s): %s", operation, child.returncode, child.stderr[-2000:])
    raise ValidationError("无法处理这个 PDF(文件可能已损坏),请重新导出后再上传。")


def workspace():
    """A temporary folder for a child's output files."""
    return tempfile.TemporaryDirectory(prefix="newsroom-pdf-")
