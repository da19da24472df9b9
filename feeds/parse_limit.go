package feeds

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
)

// maxScanItems bounds how many items reach gofeed. gofeed builds two structs
// per item (its format's and the universal one), about 1 KB even for an
// empty <item/>, so 10 MiB of them would need more than a gigabyte. Items
// past this bound, in document order, are cut from the bytes before parsing;
// the newest MaxItems are then chosen among those kept. Feeds list newest
// first almost always, and a feed of more than 5,000 items is hostile or
// broken anyway.
const maxScanItems = 10 * MaxItems

// limitItems returns body with at most maxScanItems items, and how many it
// cut. It scans only when a cheap byte count says there may be too many.
func limitItems(body []byte) ([]byte, int) {
	if body[0] == '{' {
		return limitJSONItems(body)
	}
	if bytes.Count(body, []byte("<item"))+bytes.Count(body, []byte("<entry")) <= maxScanItems &&
		bytes.Count(body, []byte(":item"))+bytes.Count(body, []byte(":entry")) <= maxScanItems {
		return body, 0
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	var (
		depth, itemDepth, count int
		itemName                string
		cutFrom, cutTo          int64 = -1, -1
	)
	for {
		start := d.InputOffset()
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if itemName == "" && depth <= 3 && (t.Name.Local == "item" || t.Name.Local == "entry") {
				itemName, itemDepth = t.Name.Local, depth
			}
			if depth == itemDepth && t.Name.Local == itemName {
				count++
				if count == maxScanItems+1 {
					cutFrom = start
				}
			}
		case xml.EndElement:
			if depth == itemDepth && t.Name.Local == itemName && count > maxScanItems {
				cutTo = d.InputOffset()
			}
			depth--
		}
	}
	if cutFrom < 0 || cutTo <= cutFrom {
		return body, 0
	}
	out := make([]byte, 0, int64(len(body))-(cutTo-cutFrom))
	out = append(out, body[:cutFrom]...)
	out = append(out, body[cutTo:]...)
	return out, count - maxScanItems
}

// limitJSONItems does the same for a JSON Feed, through raw messages.
func limitJSONItems(body []byte) ([]byte, int) {
	// Every item is an object, so fewer '{' than the bound means fewer
	// items; items need no "id" key, so counting those let {} through.
	if bytes.Count(body, []byte("{")) <= maxScanItems {
		return body, 0
	}
	var doc map[string]json.RawMessage
	if json.Unmarshal(body, &doc) != nil {
		return body, 0 // gofeed will say what is wrong
	}
	var items []json.RawMessage
	if json.Unmarshal(doc["items"], &items) != nil || len(items) <= maxScanItems {
		return body, 0
	}
	cut := len(items) - maxScanItems
	kept, err := json.Marshal(items[:maxScanItems])
	if err != nil {
		return body, 0
	}
	doc["items"] = kept
	out, err := json.Marshal(doc)
	if err != nil {
		return body, 0
	}
	return out, cut
}
