-- accord's quotation marks: a quotation becomes the marks of the statement's language, in every
-- format alike (pandoc writes English marks into DOCX and HTML, Typst its own per language).
-- ACCORD_QUOTES (JSON): [outer open, outer close, inner open, inner close].

local marks = pandoc.json.decode(os.getenv("ACCORD_QUOTES") or "[]", false)

function Quoted(element)
  if #marks < 4 then return nil end
  local open, close = marks[1], marks[2]
  if element.quotetype == "SingleQuote" then open, close = marks[3], marks[4] end
  local out = pandoc.List({pandoc.Str(open)})
  out:extend(element.content)
  out:insert(pandoc.Str(close))
  return out
end
