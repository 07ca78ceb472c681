"""Reading a corpus folder into `Document`s: decoded text, metadata, and the spans worth citing.

Offsets are the contract (see CITATIONS.md): a plain-text document's `text` is the file decoded as
UTF-8 with a leading BOM removed and newlines normalised to `\\n`, exactly what
`open(path, encoding="utf-8-sig").read()` returns; a saved page's or a PDF's is the article text qa
extracted. Nothing here ever edits that text; boilerplate is removed by *not selecting* its lines, so
every span still points into the original.

`files` lists a folder and reads each file with the reader for its format (`html_reader`,
`pdf_reader`, or `analyse` for plain text); `decode` turns bytes into text; `lines` labels each line
of a text (article, title, metadata, boilerplate) with the rules of `boilerplate` and `metadata` and
the line model of `article_lines`; `analyse` makes the `Document` (`document`).
"""
