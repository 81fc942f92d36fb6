-- accord's pandoc filter: what a statement may pull into a build.
--
-- pandoc runs with --sandbox, so it reads no file by itself. Images are let in
-- here, and only files of the statement's own folder, which accord lists (after
-- resolving symlinks) in the ACCORD_FILTER environment variable as JSON:
--   {"folder": "statements/x", "images": {"rel/path.png": ["/abs/path", "image/png"]},
--    "outside": ["link.png"], "raw": ["typst"]}
-- Anything else is refused with `error("accord: ...", 0)`, which accord turns
-- into a one-line error. Raw blocks are refused unless the front matter allows
-- their format, and so is every link to a javascript:, vbscript: or data: target.
-- For HTML an image becomes a data URI, so the page stands alone.

local settings = pandoc.json.decode(os.getenv("ACCORD_FILTER") or "{}", false)
local folder = settings.folder or "the statement folder"
local images = settings.images or {}
local outside = {}
for _, name in ipairs(settings.outside or {}) do outside[name] = true end
local raw_allowed = {}
for _, format in ipairs(settings.raw or {}) do raw_allowed[format] = true end

local function refuse(message)
  error("accord: " .. message, 0)
end

local function read_file(path)
  local handle = io.open(path, "rb")
  if not handle then refuse("cannot read image " .. path) end
  local data = handle:read("a")
  handle:close()
  return data
end

local function normalized(src)
  local path = pandoc.path.normalize(src)
  while path:sub(1, 2) == "./" do path = path:sub(3) end
  return path
end

local function image(img)
  local src = img.src
  if src:match("^%a[%w+.-]*:") then
    refuse("image '" .. src .. "' is not a file: images must be files in " .. folder .. "/")
  end
  local path = normalized(src)
  local found = images[path]
  if found then
    if FORMAT:match("html") then
      -- a self-contained page: the image travels inside it
      img.src = pandoc.mediabag.make_data_uri(found[2], read_file(found[1]))
    else
      if not pandoc.mediabag.lookup(path) then
        pandoc.mediabag.insert(path, found[2], read_file(found[1]))
      end
      img.src = path
    end
    return img
  end
  if pandoc.path.is_absolute(path) or path == ".." or path:sub(1, 3) == "../" or path:find("/../", 1, true)
      or outside[path] then
    refuse("image '" .. src .. "' is outside the statement folder (images must be files in " .. folder .. "/)")
  end
  refuse("image '" .. src .. "' not found in " .. folder .. "/")
end

local function raw(element, kind)
  if not raw_allowed[element.format] then
    refuse("raw " .. element.format .. " " .. kind .. " is not allowed "
      .. "(add it to 'allow-raw' in the front matter to allow it)")
  end
  return element
end

-- Targets that run code where the text is read (browsers, Word), however spelt: the
-- scheme is read as a browser reads it, without spaces or control characters.
local script_schemes = { javascript = true, vbscript = true, data = true }

local function link(element)
  local compact = element.target:gsub("[%c%s]", ""):lower()
  local scheme = compact:match("^(%a[%w+.-]*):")
  if scheme and script_schemes[scheme] then
    local shown = element.target:gsub("%c", "?")
    if #shown > 60 then shown = shown:sub(1, 57) .. "..." end
    refuse("link target '" .. shown .. "' is not allowed: javascript:, vbscript: and data: links run code "
      .. "or hide content where the text is read (browsers, Word)")
  end
end

function Pandoc(doc)
  return doc:walk {
    Image = image,
    Link = link,
    RawBlock = function(element) return raw(element, "block") end,
    RawInline = function(element) return raw(element, "inline") end,
  }
end
