package richtext

import "sort"

// Split cuts a text into parts whose rendering each measures at most limit
// by m. It cuts, in this order of preference, between blocks, at line
// breaks, between words, and between grapheme clusters; never inside a link
// unless a single link is longer than a part can be. Formatting that spans
// a cut continues in the next part. The parts are the rendered strings.
//
// If limit is too small for even one grapheme cluster, that part is the
// rendering shortened with TruncateString, so no part ever exceeds limit.
func Split(t Text, limit int, m Measure, render func(Text) string) []string {
	var parts []string
	for _, p := range SplitText(t, limit, m, render) {
		out := render(p)
		if m(out) > limit {
			out = TruncateString(out, limit, m)
		}
		parts = append(parts, out)
	}
	return parts
}

// SplitText is Split returning the parts as texts, for callers that render
// each part into more than one string (Matrix's body and formatted_body).
// A part is over the limit only when limit cannot hold one grapheme cluster.
func SplitText(t Text, limit int, m Measure, render func(Text) string) []Text {
	rest := Normalize(t)
	var parts []Text
	for len(rest.Blocks) > 0 {
		// Rendering all of a long rest only to learn it is too long
		// would make splitting quadratic: past twice the limit in plain
		// text, it is taken not to fit.
		if m(rest.PlainText()) <= 2*limit && m(render(rest)) <= limit {
			parts = append(parts, rest)
			break
		}
		k := bestCut(rest, limit, m, render)
		head, tail := splitAt(rest, k)
		head = Normalize(trimEnd(head))
		if len(head.Blocks) > 0 {
			parts = append(parts, head)
		}
		rest = Normalize(trimStart(tail))
	}
	return parts
}

// bestCut picks where the first part ends: the last cut of the most
// preferred kind whose head fits. It always returns a cut > 0 so Split
// makes progress.
func bestCut(t Text, limit int, m Measure, render func(Text) string) int {
	l := layoutOf(t)
	graphemes := l.graphemeCutsUpTo(m, 2*limit) // see SplitText on 2*limit
	fits := func(k int) bool {
		return m(render(Normalize(trimEnd(headAt(t, k))))) <= limit
	}
	for _, cuts := range [][]int{
		l.filterCuts(l.blockCuts, graphemes),
		l.filterCuts(l.lineCuts, graphemes),
		l.filterCuts(l.wordCuts(graphemes), graphemes),
		l.filterCuts(graphemes, graphemes),
	} {
		if k := lastFitting(cuts, fits); k > 0 {
			return k
		}
	}
	// A single link (or cluster) longer than a part: cut anywhere.
	if k := lastFitting(graphemes, fits); k > 0 {
		return k
	}
	if len(graphemes) > 0 {
		return graphemes[0]
	}
	return len(l.content)
}

// lastFitting is the largest cut for which fits holds, assuming it holds
// for a prefix of the sorted cuts; 0 when none does.
func lastFitting(cuts []int, fits func(int) bool) int {
	i := sort.Search(len(cuts), func(i int) bool { return !fits(cuts[i]) })
	if i == 0 {
		return 0
	}
	return cuts[i-1]
}
