"""The tracking form as a PDF: WeasyPrint renders the print page, Noto CJK fonts draw the Chinese."""


def html_to_pdf(html: str, *, base_url: str) -> bytes:
    """PDF bytes of a self-contained HTML page (its CSS names the CJK font families installed on the server)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()
