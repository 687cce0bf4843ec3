"""Messages of the scans domain (zh_CN, en). Parameters are counts, limits and page numbers only."""

from app.messages import add_messages

add_messages(
    {
        "scans.file_missing": (
            "找不到该文件（可能已被移走或删除），未导入任何内容。",
            "The file is gone (moved or deleted); nothing was imported.",
        ),
        "scans.file_unreadable": ("无法读取该文件，未导入任何内容。", "The file cannot be read; nothing was imported."),
        "scans.file_empty": ("文件是空的，未导入任何内容。", "The file is empty; nothing was imported."),
        "scans.file_too_large": (
            "文件超过 {mb} MB，未导入。请分批扫描。",
            "The file is larger than {mb} MB and was not imported. Scan in smaller batches.",
        ),
        "scans.not_an_image": (
            "该文件不是支持的扫描件（PNG、JPEG、TIFF 或 PDF），未导入任何内容。",
            "This file is not a supported scan (PNG, JPEG, TIFF or PDF); nothing was imported.",
        ),
        "scans.corrupt": (
            "扫描件已损坏或不完整（第 {page} 页），未导入任何内容。请重新扫描。",
            "The scan is damaged or incomplete (page {page}); nothing was imported. Please scan again.",
        ),
        "scans.too_many_pixels": (
            "第 {page} 页图像过大（超过 {mp} 百万像素），可能是异常文件，未导入任何内容。",
            "Page {page} is too large (over {mp} megapixels) and may be malicious; nothing was imported.",
        ),
        "scans.too_many_pages": (
            "文件有 {pages} 页，超过上限 {limit} 页，未导入。请分批扫描。",
            "The file has {pages} pages, more than the limit of {limit}; nothing was imported. Scan in smaller "
            "batches.",
        ),
        "scans.pdf_encrypted": (
            "该 PDF 已加密（有密码），无法读取，未导入任何内容。请在扫描仪上关闭加密后重新扫描。",
            "This PDF is encrypted (password protected) and cannot be read; nothing was imported. Turn off "
            "encryption on the scanner and scan again.",
        ),
        "scans.file_too_many_pixels": (
            "文件中各页图像合计超过 {mp} 百万像素，处理会占用电脑很长时间，未导入。请以 300 dpi 或更低分辨率分批扫描。",
            "The pages of this file add up to more than {mp} megapixels and would tie up the computer for "
            "a long time; nothing was imported. Scan at 300 dpi or less, in smaller batches.",
        ),
        "scans.too_slow": (
            "文件处理超过 {seconds} 秒仍未完成，未导入任何内容。请以 300 dpi 或更低分辨率分批扫描。",
            "Reading this file took more than {seconds} seconds; nothing was imported. Scan at 300 dpi or "
            "less, in smaller batches.",
        ),
        "scans.out_of_memory": (
            "第 {page} 页图像太大，电脑内存不足以读取，未导入任何内容。请以较低分辨率重新扫描。",
            "Page {page} is too large for this computer's memory; nothing was imported. Scan again at a "
            "lower resolution.",
        ),
        "scans.unreadable": (
            "文件无法读取，未导入任何内容。请重新扫描或另存为 PDF 后再导入。",
            "The file cannot be read; nothing was imported. Scan again, or save it as PDF and import that.",
        ),
        "scans.no_pages": ("文件中没有页面，未导入任何内容。", "The file has no pages; nothing was imported."),
        "scans.serial_unknown": (
            "没有找到编号为 {serial} 的已打印表单。请核对表单右上角的编号。",
            "No printed form has the serial {serial}. Check the number printed next to the QR code.",
        ),
        "scans.serial_invalid": ("表单编号格式不正确。", "The form serial is not valid."),
        "scans.member_missing": (
            "该表单对应的会员不存在（可能已删除）。",
            "The member of this form no longer exists (perhaps deleted).",
        ),
        "scans.not_in_inbox": ("该扫描件不在待匹配列表中。", "This scan is not waiting in the inbox."),
        "scans.not_conflict": ("该扫描件没有待店长决定的冲突。", "This scan has no conflict waiting for a manager."),
        "scans.duplicate": (
            "表单 {serial} 已归档过相同内容，本次未重复保存。",
            "Form {serial} was already archived with the same content; it was not stored again.",
        ),
        "scans.sane_missing": (
            "未安装扫描仪支持（SANE）。请改用扫描仪的“扫描到文件夹”功能或导入文件。",
            "Scanner support (SANE) is not installed. Use the scanner's scan-to-folder or import a file.",
        ),
        "scans.sane_no_device": ("没有找到扫描仪。", "No scanner was found."),
        "scans.sane_failed": ("扫描失败，请检查扫描仪后重试。", "Scanning failed; check the scanner and try again."),
        "scans.watch_folder_missing": (
            "监视文件夹不存在：请在设置中选择一个已存在的文件夹。",
            "The watched folder does not exist; choose an existing folder in the settings.",
        ),
        "scans.legacy_failed": (
            "之前未能导入、留在“未导入”文件夹中的文件（已移入加密隔离区）。",
            "A file an earlier version could not import and left in the 'not imported' folder"
            " (moved into the encrypted quarantine).",
        ),
    }
)
