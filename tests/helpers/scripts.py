"""Statements in seven scripts and directions, with original sample sentences, for the script tests."""

from __future__ import annotations

from pathlib import Path

from helpers.alliance import git, make_alliance, write

# language -> (title, numbered paragraphs). Sentences written for these tests.
TEXTS = {
    "ru": ("Совместное заявление о защите детей-мигрантов", [
        "Партнёры Альянса подтверждают, что каждый ребёнок, пересекающий границу, имеет право на защиту "
        "и на опекуна.",
        "Государства обеспечивают доступ к школе в течение 30 дней после прибытия; «ожидание» не должно "
        "длиться дольше.",
    ]),
    "ar": ("بيان مشترك بشأن حماية الأطفال المهاجرين", [
        "يؤكد شركاء التحالف أن لكل طفل يعبر الحدود الحق في الحماية وفي وصي قانوني.",
        "ينبغي للدول أن تكفل الوصول إلى المدرسة في غضون 30 يومًا من الوصول، وفقًا لتوصيات UNICEF لعام 2024.",
        "ويدعو الشركاء إلى جمع البيانات بصورة منتظمة ونشرها كل عام.",
    ]),
    "he": ("הצהרה משותפת על הגנת ילדים מהגרים", [
        "שותפי הברית מאשרים כי לכל ילד החוצה גבול יש זכות להגנה ולאפוטרופוס.",
        "על המדינות להבטיח גישה לבית הספר בתוך 30 ימים מההגעה, כפי שהמליצה UNICEF.",
    ]),
    "zh": ("关于保护移民儿童的联合声明", [
        "联盟伙伴确认，每一名越境儿童都有权获得保护和\n监护人，并有权在安全的环境中\n表达自己的意见。",
        "各国应在儿童抵达后30日内保障其\n受教育的权利。",
        "伙伴们呼吁每年收集并公布相关数据。",
    ]),
    "ja": ("移民の子どもの保護に関する共同声明", [
        "同盟のパートナーは、国境を越えるすべての子どもが保護と\n後見人を受ける権利を有することを確認する。",
        "各国は、到着後30日以内に教育を受ける機会を保障すべきである。",
    ]),
    "ka": ("ერთობლივი განცხადება ბავშვი მიგრანტების დაცვის შესახებ", [
        "ალიანსის პარტნიორები ადასტურებენ, რომ ყველა ბავშვს, რომელიც საზღვარს კვეთს, აქვს დაცვის უფლება.",
        "სახელმწიფოებმა უნდა უზრუნველყონ სკოლაზე ხელმისაწვდომობა ჩამოსვლიდან 30 დღის განმავლობაში.",
    ]),
    "el": ("Κοινή δήλωση για την προστασία των παιδιών μεταναστών", [
        "Οι εταίροι της Συμμαχίας επιβεβαιώνουν ότι κάθε παιδί που διασχίζει τα σύνορα έχει δικαίωμα "
        "προστασίας.",
        "Τα κράτη οφείλουν να εξασφαλίζουν πρόσβαση στο σχολείο εντός 30 ημερών από την άφιξη.",
    ]),
}
CJK = ("zh", "ja")


def statement_text(language: str, *, status: str = "draft", invited: str = "[unicef, iom]") -> str:
    title, paragraphs = TEXTS[language]
    body = "\n\n".join(paragraphs)
    return (f"---\nid: scripts-{language}\ntitle: \"{title}\"\nkind: joint-statement\nstatus: {status}\n"
            f"date: 2026-03-05\nlanguage: {language}\nnumbered-paragraphs: true\nendorsement:\n"
            f"  invited: {invited}\n  threshold: 1\n---\n\n{body}\n")


def make_scripts_repo(root: Path, languages: tuple[str, ...]) -> Path:
    """The test alliance with one statement per language, committed."""
    make_alliance(root)
    for language in languages:
        write(root / "statements" / f"scripts-{language}" / "statement.md", statement_text(language))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Statements in seven scripts")
    return root
