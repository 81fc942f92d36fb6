"""The furniture of a document in its language: labels, the date, quotation marks.

One table per language (LABELS: en, fr, de, it, es, ru, uk, ar, zh, ja, he, el); a language without one, or a key a table lacks,
falls back to English. `{name}` marks where a value goes. Dates come from CLDR
(babel), long form; English keeps its day-month-year form in every region.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from .tags import is_rtl, primary_language

ENGLISH = {
    "joint-statement": "Joint Statement",
    "recommendations": "Recommendations",
    "draft-mark": "DRAFT",
    "status-line": "Status: {status}",
    "status:draft": "Draft",
    "status:consultation": "Consultation",
    "status:final": "Final",
    "status:published": "Published",
    "status:withdrawn": "Withdrawn",
    "page": "Page {page} of {pages}",
    "endorsed-by": "Endorsed by",
    "no-endorsements": "No endorsements recorded",
    "with-reservations": "with reservations",
    "no-objection": "no objection",
    "reservation": "Reservation: {text}",
    "reservation-on": "Reservation on paragraph {paragraph}: {text}",
    "not-agreed": "not an agreed text",
}

LABELS: dict[str, dict[str, str]] = {
    "en": ENGLISH,
    "fr": {
        "joint-statement": "Déclaration commune", "recommendations": "Recommandations", "draft-mark": "PROJET",
        "status-line": "Statut\u00a0: {status}", "status:draft": "Projet", "status:consultation": "Consultation",
        "status:final": "Définitif", "status:published": "Publié", "status:withdrawn": "Retiré",
        "page": "Page {page} sur {pages}", "endorsed-by": "Approuvé par",
        "no-endorsements": "Aucune approbation enregistrée", "with-reservations": "avec réserves",
        "no-objection": "sans objection", "reservation": "Réserve\u00a0: {text}",
        "reservation-on": "Réserve sur le paragraphe {paragraph}\u00a0: {text}", "not-agreed": "texte non agréé",
    },
    "de": {
        "joint-statement": "Gemeinsame Erklärung", "recommendations": "Empfehlungen", "draft-mark": "ENTWURF",
        "status-line": "Status: {status}", "status:draft": "Entwurf", "status:consultation": "Konsultation",
        "status:final": "Endfassung", "status:published": "Veröffentlicht", "status:withdrawn": "Zurückgezogen",
        "page": "Seite {page} von {pages}", "endorsed-by": "Unterstützt von",
        "no-endorsements": "Keine Unterstützung verzeichnet", "with-reservations": "mit Vorbehalten",
        "no-objection": "ohne Einwände", "reservation": "Vorbehalt: {text}",
        "reservation-on": "Vorbehalt zu Absatz {paragraph}: {text}", "not-agreed": "kein vereinbarter Text",
    },
    "it": {
        "joint-statement": "Dichiarazione congiunta", "recommendations": "Raccomandazioni", "draft-mark": "BOZZA",
        "status-line": "Stato: {status}", "status:draft": "Bozza", "status:consultation": "Consultazione",
        "status:final": "Definitivo", "status:published": "Pubblicato", "status:withdrawn": "Ritirato",
        "page": "Pagina {page} di {pages}", "endorsed-by": "Sottoscritto da",
        "no-endorsements": "Nessuna adesione registrata", "with-reservations": "con riserve",
        "no-objection": "nessuna obiezione", "reservation": "Riserva: {text}",
        "reservation-on": "Riserva sul paragrafo {paragraph}: {text}", "not-agreed": "testo non concordato",
    },
    "es": {
        "joint-statement": "Declaración conjunta", "recommendations": "Recomendaciones", "draft-mark": "BORRADOR",
        "status-line": "Estado: {status}", "status:draft": "Borrador", "status:consultation": "Consulta",
        "status:final": "Definitivo", "status:published": "Publicado", "status:withdrawn": "Retirado",
        "page": "Página {page} de {pages}", "endorsed-by": "Respaldado por",
        "no-endorsements": "No consta ningún respaldo", "with-reservations": "con reservas",
        "no-objection": "sin objeciones", "reservation": "Reserva: {text}",
        "reservation-on": "Reserva sobre el párrafo {paragraph}: {text}", "not-agreed": "texto no acordado",
    },
    "ru": {
        "joint-statement": "Совместное заявление", "recommendations": "Рекомендации", "draft-mark": "ПРОЕКТ",
        "status-line": "Статус: {status}", "status:draft": "Проект", "status:consultation": "Консультации",
        "status:final": "Окончательный текст", "status:published": "Опубликован", "status:withdrawn": "Отозван",
        "page": "Страница {page} из {pages}", "endorsed-by": "Поддержали",
        "no-endorsements": "Поддержка не зарегистрирована", "with-reservations": "с оговорками",
        "no-objection": "без возражений", "reservation": "Оговорка: {text}",
        "reservation-on": "Оговорка к пункту {paragraph}: {text}", "not-agreed": "текст не согласован",
    },
    "uk": {
        "joint-statement": "Спільна заява", "recommendations": "Рекомендації", "draft-mark": "ПРОЄКТ",
        "status-line": "Статус: {status}", "status:draft": "Проєкт", "status:consultation": "Консультації",
        "status:final": "Остаточний текст", "status:published": "Опубліковано", "status:withdrawn": "Відкликано",
        "page": "Сторінка {page} з {pages}", "endorsed-by": "Підтримали",
        "no-endorsements": "Підтримку не зареєстровано", "with-reservations": "із застереженнями",
        "no-objection": "без заперечень", "reservation": "Застереження: {text}",
        "reservation-on": "Застереження до пункту {paragraph}: {text}", "not-agreed": "текст не погоджено",
    },
    "ar": {
        "joint-statement": "بيان مشترك", "recommendations": "توصيات", "draft-mark": "مسودة",
        "status-line": "الحالة: {status}", "status:draft": "مسودة", "status:consultation": "قيد التشاور",
        "status:final": "نهائي", "status:published": "منشور", "status:withdrawn": "مسحوب",
        "page": "الصفحة {page} من {pages}", "endorsed-by": "أيّده",
        "no-endorsements": "لم يُسجَّل أي تأييد", "with-reservations": "مع تحفظات",
        "no-objection": "دون اعتراض", "reservation": "تحفظ: {text}",
        "reservation-on": "تحفظ على الفقرة {paragraph}: {text}", "not-agreed": "نص غير متفق عليه",
    },
    "zh": {
        "joint-statement": "联合声明", "recommendations": "建议", "draft-mark": "草案",
        "status-line": "状态：{status}", "status:draft": "草案", "status:consultation": "征求意见",
        "status:final": "定稿", "status:published": "已发布", "status:withdrawn": "已撤回",
        "page": "第 {page} 页，共 {pages} 页", "endorsed-by": "赞同方",
        "no-endorsements": "尚无赞同记录", "with-reservations": "有保留",
        "no-objection": "无异议", "reservation": "保留意见：{text}",
        "reservation-on": "对第 {paragraph} 段的保留意见：{text}", "not-agreed": "非商定文本",
    },
    "ja": {
        "joint-statement": "共同声明", "recommendations": "勧告", "draft-mark": "草案",
        "status-line": "状態：{status}", "status:draft": "草案", "status:consultation": "意見募集中",
        "status:final": "確定版", "status:published": "公表済み", "status:withdrawn": "撤回",
        "page": "{page} / {pages} ページ", "endorsed-by": "賛同者",
        "no-endorsements": "賛同の記録はありません", "with-reservations": "留保付き",
        "no-objection": "異議なし", "reservation": "留保：{text}",
        "reservation-on": "第 {paragraph} 項に対する留保：{text}", "not-agreed": "合意された文書ではありません",
    },
    "he": {
        "joint-statement": "הצהרה משותפת", "recommendations": "המלצות", "draft-mark": "טיוטה",
        "status-line": "מצב: {status}", "status:draft": "טיוטה", "status:consultation": "בהתייעצות",
        "status:final": "סופי", "status:published": "פורסם", "status:withdrawn": "בוטל",
        "page": "עמוד {page} מתוך {pages}", "endorsed-by": "תומכים",
        "no-endorsements": "לא נרשמה תמיכה", "with-reservations": "בהסתייגויות",
        "no-objection": "ללא התנגדות", "reservation": "הסתייגות: {text}",
        "reservation-on": "הסתייגות לסעיף {paragraph}: {text}", "not-agreed": "נוסח שלא הוסכם",
    },
    "el": {
        "joint-statement": "Κοινή δήλωση", "recommendations": "Συστάσεις", "draft-mark": "ΣΧΕΔΙΟ",
        "status-line": "Κατάσταση: {status}", "status:draft": "Σχέδιο", "status:consultation": "Διαβούλευση",
        "status:final": "Τελικό", "status:published": "Δημοσιευμένο", "status:withdrawn": "Αποσυρμένο",
        "page": "Σελίδα {page} από {pages}", "endorsed-by": "Υποστηρίζουν",
        "no-endorsements": "Δεν έχει καταγραφεί υποστήριξη", "with-reservations": "με επιφυλάξεις",
        "no-objection": "χωρίς αντίρρηση", "reservation": "Επιφύλαξη: {text}",
        "reservation-on": "Επιφύλαξη για την παράγραφο {paragraph}: {text}", "not-agreed": "μη συμφωνημένο κείμενο",
    },
}

# Quotation marks (outer open, outer close, inner open, inner close), as CLDR gives them (French,
# Russian and Ukrainian use guillemets; German low-high; Japanese corner brackets).
QUOTES: dict[str, tuple[str, str, str, str]] = {
    "en": ("“", "”", "‘", "’"), "fr": ("«\u00a0", "\u00a0»", "“", "”"), "de": ("„", "“", "‚", "‘"),
    "it": ("«", "»", "“", "”"), "es": ("«", "»", "“", "”"), "ru": ("«", "»", "„", "“"),
    "uk": ("«", "»", "„", "“"), "ar": ("«", "»", "“", "”"), "he": ("”", "”", "’", "’"),
    "zh": ("“", "”", "‘", "’"), "ja": ("「", "」", "『", "』"), "ko": ("“", "”", "‘", "’"),
    "el": ("«", "»", "“", "”"), "ka": ("„", "“", "«", "»"), "hy": ("«", "»", "«", "»"),
    "pl": ("„", "”", "«", "»"), "nl": ("‘", "’", "“", "”"), "pt": ("“", "”", "‘", "’"),
    "tr": ("“", "”", "‘", "’"),
}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass(frozen=True)
class Furniture:
    """The labels, date form and quotation marks of one language."""

    language: str

    @property
    def primary(self) -> str:
        return primary_language(self.language)

    @property
    def table(self) -> dict[str, str]:
        return LABELS.get(self.primary, ENGLISH)

    @property
    def is_english(self) -> bool:
        return self.primary == "en"

    @property
    def rtl(self) -> bool:
        return is_rtl(self.language)

    def label(self, key: str, **values: str) -> str:
        """The label `key` in this language (English when the language has none), values filled in."""
        text = self.table.get(key, ENGLISH[key])
        return text.format(**values) if values else text

    def label_parts(self, key: str, *names: str) -> list[str]:
        """A label cut at its placeholders, in the order given: "Page {page} of {pages}" -> ["Page ", " of ", ""]."""
        text = self.table.get(key, ENGLISH[key])
        parts = []
        for name in names:
            before, _, text = text.partition("{" + name + "}")
            parts.append(before)
        parts.append(text)
        return parts

    def status(self, status: str) -> str:
        return self.label(f"status:{status}") if f"status:{status}" in ENGLISH else status.capitalize()

    def date(self, date: dt.date) -> str:
        """The date written out: `18 October 2010`, `18 octobre 2010`, `2010年10月18日`; ISO without CLDR data."""
        if self.is_english:
            return f"{date.day} {MONTHS[date.month - 1]} {date.year}"
        return _cldr_date(self.language, date) or date.isoformat()

    @property
    def quotes(self) -> tuple[str, str, str, str]:
        return QUOTES.get(self.primary, QUOTES["en"])

    def characters(self) -> str:
        """Every character the furniture may set, for the glyph check."""
        return "".join(self.table.values()) + "".join(self.quotes)


def _cldr_date(language: str, date: dt.date) -> str | None:
    locale = _locale(language)
    if locale is None:
        return None
    from babel.dates import format_date

    return format_date(date, "long", locale=locale)


@functools.lru_cache(maxsize=64)
def _locale(language: str):  # -> babel.Locale | None
    from babel import Locale, UnknownLocaleError

    for candidate in (language.replace("-", "_"), primary_language(language)):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return None
