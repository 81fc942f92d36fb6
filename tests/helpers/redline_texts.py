"""A real-looking statement for the redline tests, kept as blocks so tests can edit it."""

from __future__ import annotations

import copy
import textwrap
from dataclasses import dataclass, field

TITLE = "Joint Statement on the Protection of Children on the Move"

FRONT_MATTER = """\
---
id: {id}
symbol: AECT/JS/2010/1
title: {title}
kind: joint-statement
status: consultation
date: 2010-10-18
language: en
drafters: [Ana Pereira]
endorsement:
  invited: [unicef, iom, unodc, ecpat]
  required: [unicef]
  threshold: 2
---

"""


@dataclass
class Text:
    """A statement body as editable blocks: ('heading', text), ('para', text), ('quote', text),
    ('list', [items]), ('bullets', [items]), ('table', [[cells], ...]) (first row is the header);
    footnotes by label. `wrap` re-wraps paragraphs at that width (0: one line each)."""

    blocks: list = field(default_factory=list)
    notes: dict = field(default_factory=dict)
    wrap: int = 0

    def copy(self) -> "Text":
        return copy.deepcopy(self)

    def find(self, kind: str, contains: str = "") -> int:
        """Index of the first block of that kind whose text contains the words given."""
        for index, (block_kind, content) in enumerate(self.blocks):
            text = content if isinstance(content, str) else repr(content)
            if block_kind == kind and contains in text:
                return index
        raise LookupError(f"no {kind} block containing {contains!r}")

    def markdown(self) -> str:
        out = []
        for kind, content in self.blocks:
            if kind == "heading":
                out.append(f"## {content}")
            elif kind == "para":
                out.append(self._wrapped(content))
            elif kind == "quote":
                out.append("> " + content)
            elif kind == "list":
                out.append("\n".join(f"{n}. {item}" for n, item in enumerate(content, 1)))
            elif kind == "bullets":
                out.append("\n".join(f"- {item}" for item in content))
            elif kind == "table":
                header, *rows = content
                lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                lines += ["| " + " | ".join(row) + " |" for row in rows]
                out.append("\n".join(lines))
        for label, note in self.notes.items():
            out.append(f"[^{label}]: {self._wrapped(note, indent='    ')}")
        return "\n\n".join(out) + "\n"

    def _wrapped(self, text: str, indent: str = "") -> str:
        if not self.wrap:
            return text
        return textwrap.fill(text, self.wrap, subsequent_indent=indent, break_long_words=False,
                             break_on_hyphens=False)


def statement_md(text: Text, statement_id: str = "child-protection", title: str = TITLE) -> str:
    return FRONT_MATTER.format(id=statement_id, title=title) + text.markdown()


def sample() -> Text:
    """About two pages: headings, paragraphs with emphasis, links and footnotes, lists, a table, a quote."""
    return Text(blocks=[
        ("heading", "Preamble"),
        ("para", "We, the undersigned partners of the Alliance against Child Trafficking, recall that children "
                 "on the move face risks of trafficking and exploitation at every stage of their journey, "
                 "whether they travel alone, with their families or with people they trust.[^risks]"),
        ("para", "The partners note with *deep concern* that unaccompanied and separated children are too often "
                 "treated first as migrants and only second as children, and that procedures designed for "
                 "adults are applied to them without regard to their age, maturity or needs."),
        ("para", "Recalling the **Convention on the Rights of the Child** and the guidance published by the "
                 "[Committee on the Rights of the Child](https://www.ohchr.org/en/treaty-bodies/crc), the "
                 "partners affirm that every child is entitled to protection, whatever their status."),
        ("quote", "Children are children first and foremost, and must be treated as such."),
        ("heading", "Context"),
        ("para", "Over the past decade the number of children who cross borders without their parents has "
                 "grown in every region. Many of them have fled conflict, persecution or extreme poverty; others "
                 "have been sent ahead by their families in the hope of a better life, or have been recruited by "
                 "people who intend to exploit them. Their journeys are long and dangerous, and they are often "
                 "controlled by smugglers whose interests are not the children's."),
        ("para", "At borders and in reception centres, children meet officials whose first task is to control "
                 "migration. Identification is slow, information is given in languages the children do not "
                 "understand, and the signs of trafficking are easily missed. Children who are not identified "
                 "as victims are exposed to detention, to return without safeguards, and to renewed exploitation "
                 "by the same networks."),
        ("para", "Partners working on the ground report that children disappear from reception facilities within "
                 "days of their arrival, that guardians are appointed late or not at all, and that age assessments "
                 "rely on methods that have no scientific basis. These failures are not inevitable: where "
                 "child protection services are involved from the first contact, children stay, receive "
                 "support, and can be protected from those who would exploit them."),
        ("para", "The partners also recognise the work done by States that have introduced independent "
                 "guardianship, multidisciplinary age assessment and specialised reception for children. Their "
                 "experience shows that protection is possible, affordable and effective, and that it does not "
                 "weaken the management of migration but strengthens it."),
        ("heading", "Principles"),
        ("para", "The best interests of the child shall be a primary consideration in every decision that "
                 "concerns them, including decisions on reception, care, return and family reunification."),
        ("para", "Children have the right to be heard. Their views shall be given due weight in accordance "
                 "with their age and maturity, with the help of an interpreter where needed.[^heard]"),
        ("para", "Protection measures shall not depend on a child's willingness to co-operate with the "
                 "authorities in criminal proceedings against traffickers. Assistance is a right of the child, "
                 "not a reward for testimony, and it shall be provided for as long as the child needs it."),
        ("para", "Every decision about a child shall be taken by people qualified to take it, within time limits "
                 "that respect the child's sense of time, and shall be explained to the child in words the child "
                 "understands. Children shall be able to challenge decisions with the help of a lawyer and of "
                 "their guardian, free of charge."),
        ("bullets", ["non-discrimination, whatever the child's nationality or migration status;",
                     "the right to life, survival and development;",
                     "participation in decisions, with information in a language the child understands."]),
        ("heading", "Recommendations"),
        ("para", "The partners call on States and on the agencies that work with children to take the "
                 "following measures without delay:"),
        ("list", ["States should appoint a qualified and independent guardian for every unaccompanied child "
                  "within twenty-four hours of identification.",
                  "Age assessment should be a measure of last resort, carried out by independent professionals, "
                  "and the benefit of the doubt should always be given.[^age]",
                  "Children should never be detained for reasons related to their or their parents' migration "
                  "status; alternative care in the community should be provided instead.",
                  "Referral between police, border authorities, child protection services and civil society "
                  "should follow written procedures that are known to every actor."]),
        ("table", [["Actor", "Responsibility", "Timeline"],
                   ["States", "Guardianship and alternative care", "Within one year"],
                   ["Agencies", "Identification and referral", "Within six months"],
                   ["Civil society", "Outreach and independent monitoring", "Ongoing"]]),
        ("para", "States should ensure that every child has access to education, health care and "
                 "psychosocial support from the day of arrival, whatever the stage of their procedure, and that "
                 "the services concerned are funded to meet the needs of children who have been exploited."),
        ("para", "Agencies and civil society organizations should train their staff to recognise the signs of "
                 "trafficking among children on the move, to listen to children, and to refer them to the "
                 "competent child protection services without delay and without conditions."),
        ("heading", "Follow-up"),
        ("para", "The partners will report on the implementation of these recommendations at the annual "
                 "meeting of the Alliance, on the basis of data collected by the co-ordination team."),
        ("para", "The co-ordination team will publish a short progress report every year, setting out which "
                 "recommendations have been acted on, by whom, and with what results for children, and will "
                 "invite children and young people to comment on it."),
        ("para", "This statement remains open for endorsement by other organizations and States that share "
                 "its aims and commit to its recommendations."),
    ], notes={
        "risks": "See the Alliance's annual report for the evidence on which this statement rests.",
        "heard": "Interpretation should be provided free of charge and by qualified interpreters.",
        "age": "Where doubt remains after an assessment, the person should be treated as a child.",
    })


SENTENCES = [
    "Guardians should be trained in child protection and in the rights of children on the move.",
    "States should collect data disaggregated by age, sex and nationality, and publish it every year.",
    "Family tracing should start as soon as a child is identified, unless it would put the child at risk.",
    "Children who have been trafficked should be granted a reflection period and access to assistance.",
    "The partners will share good practice through the Alliance's working groups.",
    "No child should be returned without a best-interests determination and a durable solution.",
]
