-- accord's paragraph labels: puts the labels accord computed (accord/labels.py) on the
-- paragraphs and list items pandoc read, in order. It never numbers anything itself.
--
-- ACCORD_LABELS (JSON): {"numbered": true, "units": [{"kind": "paragraph", "label": "10",
--   "marker": "10.", "anchor": "para-10"}, {"kind": "item", "label": "10(f)", ...}], "what": "PDF"}
-- Units are the top-level paragraphs (when paragraphs are numbered) and the items of top-level
-- lists (bulleted or numbered when paragraphs are numbered; numbered lists only otherwise).
-- When pandoc's reading and accord's numbering disagree the filter refuses (`accord: ...`).
--
-- typst: a paragraph starts with #accord-number("10."); a list becomes #accord-item("(f)")[...] blocks.
-- html:  a paragraph becomes <div class="para" id="para-10"><p><span class="label">10.</span> ...;
--        a list becomes <div class="items"> of <div class="item" id="para-10f"> with the same label span.
-- docx:  a bookmark named accord_label_<n> starts each unit; accord's DOCX stage turns those into
--        real Word numbering (numPr) and removes the bookmarks.

local settings = pandoc.json.decode(os.getenv("ACCORD_LABELS") or "{}", false)
local units = settings.units or {}
local numbered = settings.numbered
local what = settings.what or "the output"

local function is_unit_list(block)
  if block.t == "OrderedList" then return true end
  return block.t == "BulletList" and numbered
end

local function kinds_of(blocks)
  local seen = {}
  for _, block in ipairs(blocks) do
    if (block.t == "Para" or block.t == "Plain") and numbered then
      table.insert(seen, "paragraph")
    elseif is_unit_list(block) then
      for _ = 1, #block.content do table.insert(seen, "item") end
    end
  end
  return seen
end

local function check(seen)
  local parted = nil
  for index = 1, math.max(#seen, #units) do
    local unit = units[index]
    if seen[index] == nil or unit == nil or seen[index] ~= unit.kind then
      parted = index
      break
    end
  end
  if parted then
    local near = units[math.min(parted, #units)]
    error("accord: " .. what .. ": cannot number the text: pandoc reads " .. #seen .. " labelled units, "
      .. "accord's numbering " .. #units .. " (they part near paragraph " .. (near and near.label or "-") .. ")", 0)
  end
end

local function typst_marker(kind, marker)
  local fn = kind == "paragraph" and "accord-number" or "accord-marker"
  return pandoc.RawInline("typst", "#" .. fn .. "(\"" .. marker .. "\")")
end

local function label_span(unit)
  return pandoc.Span({pandoc.Str(unit.marker)}, {class = "label"})
end

local function bookmark(index)
  return pandoc.Span({}, {id = "accord_label_" .. index})
end

-- The inlines a unit starts with, in this format.
local function opening(unit, index)
  if FORMAT:match("typst") then
    return {typst_marker(unit.kind, unit.marker)}
  elseif FORMAT:match("html") then
    return {label_span(unit), pandoc.Space()}
  elseif FORMAT:match("docx") then
    return {bookmark(index)}
  end
  return {pandoc.Str(unit.marker), pandoc.Space()}
end

local function prefixed(blocks, inlines)
  local first = blocks[1]
  if first and (first.t == "Para" or first.t == "Plain") then
    local content = pandoc.List(inlines)
    content:extend(first.content)
    first.content = content
    return blocks
  end
  local out = pandoc.List({pandoc.Plain(inlines)})
  out:extend(blocks)
  return out
end

local function labelled_item(unit, index, blocks)
  blocks = prefixed(blocks, opening(unit, index))
  if FORMAT:match("typst") then
    local out = pandoc.List({pandoc.RawBlock("typst", "#accord-item[")})
    out:extend(blocks)
    out:insert(pandoc.RawBlock("typst", "]"))
    return out
  elseif FORMAT:match("html") then
    return {pandoc.Div(blocks, {id = unit.anchor, class = "item"})}
  end
  return blocks
end

function Pandoc(doc)
  check(kinds_of(doc.blocks))
  if #units == 0 then return doc end
  local out = pandoc.List()
  local next_unit = 1
  for _, block in ipairs(doc.blocks) do
    if (block.t == "Para" or block.t == "Plain") and numbered then
      local unit = units[next_unit]
      local content = pandoc.List(opening(unit, next_unit))
      content:extend(block.content)
      block.content = content
      next_unit = next_unit + 1
      if FORMAT:match("html") then
        out:insert(pandoc.Div({block}, {id = unit.anchor, class = "para"}))
      else
        out:insert(block)
      end
    elseif is_unit_list(block) and (FORMAT:match("typst") or FORMAT:match("html")) then
      local items = pandoc.List()
      for _, item in ipairs(block.content) do
        items:extend(labelled_item(units[next_unit], next_unit, item))
        next_unit = next_unit + 1
      end
      if FORMAT:match("html") then
        out:insert(pandoc.Div(items, {class = "items"}))
      else
        out:extend(items)
      end
    elseif is_unit_list(block) then
      -- DOCX keeps pandoc's list; its items get accord's numbering in the DOCX stage.
      for position, item in ipairs(block.content) do
        block.content[position] = prefixed(item, opening(units[next_unit], next_unit))
        next_unit = next_unit + 1
      end
      out:insert(block)
    else
      out:insert(block)
    end
  end
  doc.blocks = out
  return doc
end
