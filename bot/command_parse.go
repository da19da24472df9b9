package bot

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Parse reads a command line (what follows `!herald`): words separated by
// spaces, "double" or 'single' quotes around a value with spaces (phones'
// “curly” quotes too), a backslash escaping the next character inside
// double quotes, and options by name as --name value, --name=value or
// name=value. An empty line is `help`.
func (c *Commands) Parse(line string) (Invocation, error) {
	words, err := splitWords(line)
	if err != nil {
		return Invocation{}, err
	}
	if len(words) == 0 {
		return Invocation{Path: []string{"help"}}, nil
	}
	spec, n, err := c.resolve(words)
	if err != nil {
		return Invocation{}, err
	}
	inv := Invocation{Path: spec.Path, Named: map[string]string{}}
	rest := words[n:]
	for i := 0; i < len(rest); i++ {
		w := rest[i]
		if name, ok := strings.CutPrefix(w, "--"); ok && name != "" {
			name, val, hasVal := strings.Cut(name, "=")
			if !hasVal {
				if i+1 >= len(rest) {
					return Invocation{}, fmt.Errorf("the option --%s of %s needs a value: --%s=VALUE", name, quoteCmd(spec.Name()), name)
				}
				i++
				val = rest[i]
			}
			if err := setNamed(inv.Named, spec.CommandSpec, name, val); err != nil {
				return Invocation{}, err
			}
			continue
		}
		if name, val, ok := strings.Cut(w, "="); ok {
			if _, known := paramOf(spec.CommandSpec, name); known {
				if err := setNamed(inv.Named, spec.CommandSpec, name, val); err != nil {
					return Invocation{}, err
				}
				continue
			}
		}
		inv.Positional = append(inv.Positional, w)
	}
	return inv, nil
}

func setNamed(named map[string]string, spec CommandSpec, name, val string) error {
	if _, dup := named[name]; dup {
		return fmt.Errorf("the option %s is given twice to %s", name, quoteCmd(spec.Name()))
	}
	named[name] = val
	return nil
}

func paramOf(spec CommandSpec, name string) (Param, bool) {
	for _, p := range spec.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// splitWords splits a line into words, honouring quotes.
func splitWords(line string) ([]string, error) {
	var (
		words  []string
		cur    strings.Builder
		inWord bool
		quote  rune // the closing quote we wait for; 0 outside quotes
		start  int  // where the open quote was, for the error
	)
	runes := []rune(line)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
				continue
			}
			if r == '\\' && quote == '"' && i+1 < len(runes) && (runes[i+1] == '"' || runes[i+1] == '\\') {
				i++
				r = runes[i]
			}
			cur.WriteRune(r)
		case r == '"' || r == '\'' || r == '“' || r == '‘':
			quote, start, inWord = closing(r), i, true
		case unicode.IsSpace(r):
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("the quote %c before %s is never closed: add the closing %c", runes[start], clipText(string(runes[start+1:]), 30), quote)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

func closing(open rune) rune {
	switch open {
	case '“':
		return '”'
	case '‘':
		return '’'
	}
	return open
}

// resolve finds the command the first words name and how many words the
// path took.
func (c *Commands) resolve(words []string) (command, int, error) {
	first := strings.ToLower(words[0])
	var tops []string
	for _, s := range c.specs {
		if !slices.Contains(tops, s.Path[0]) {
			tops = append(tops, s.Path[0])
		}
	}
	if !slices.Contains(tops, first) {
		return command{}, 0, fmt.Errorf("there is no command %q%s. Commands: %s. Try \"help\".",
			words[0], didYouMean(first, tops), strings.Join(tops, ", "))
	}
	var subs []string
	for _, s := range c.specs {
		if s.Path[0] != first {
			continue
		}
		if len(s.Path) == 1 {
			return s, 1, nil
		}
		subs = append(subs, s.Path[1])
	}
	if len(words) < 2 {
		return command{}, 0, fmt.Errorf("%s needs a subcommand: %s. Try \"help %s\".", quoteCmd(first), strings.Join(subs, ", "), first)
	}
	second := strings.ToLower(words[1])
	for _, s := range c.specs {
		if s.Path[0] == first && s.Path[1] == second {
			return s, 2, nil
		}
	}
	return command{}, 0, fmt.Errorf("%s has no subcommand %q%s. Subcommands: %s.",
		quoteCmd(first), words[1], didYouMean(second, subs), strings.Join(subs, ", "))
}

// bind checks an invocation against its command: known options, every
// required argument, nothing left over.
func (c *Commands) bind(inv Invocation) (command, map[string]string, error) {
	if len(inv.Path) == 0 {
		return command{}, nil, fmt.Errorf("no command given. Try \"help\".")
	}
	spec, n, err := c.resolve(inv.Path)
	if err != nil {
		return command{}, nil, err
	}
	if n != len(inv.Path) {
		return command{}, nil, fmt.Errorf("%s has no subcommand %q", quoteCmd(spec.Name()), inv.Path[n])
	}
	args := map[string]string{}
	var names []string
	for _, p := range spec.Params {
		names = append(names, p.Name)
	}
	for name, val := range inv.Named {
		if _, ok := paramOf(spec.CommandSpec, name); !ok {
			if len(names) == 0 {
				return command{}, nil, fmt.Errorf("%s takes no options, but got %s", quoteCmd(spec.Name()), name)
			}
			return command{}, nil, fmt.Errorf("%s has no option %q%s. Its options: %s.",
				quoteCmd(spec.Name()), name, didYouMean(name, names), strings.Join(names, ", "))
		}
		args[name] = strings.TrimSpace(val)
	}
	pos := inv.Positional
	for _, p := range spec.Params {
		if _, given := args[p.Name]; given {
			continue
		}
		if len(pos) == 0 {
			break
		}
		if p.Kind == ParamRest {
			args[p.Name] = strings.Join(pos, " ")
			pos = nil
			break
		}
		args[p.Name], pos = pos[0], pos[1:]
	}
	if len(pos) > 0 {
		hint := ""
		if spec.Name() == "feed add" {
			hint = ` Quote a schedule with spaces: "*/30 * * * *".`
		}
		return command{}, nil, fmt.Errorf("too many arguments for %s: %q is left over. Usage: %s.%s",
			quoteCmd(spec.Name()), strings.Join(pos, " "), spec.Usage(), hint)
	}
	for _, p := range spec.Params {
		if p.Required && args[p.Name] == "" {
			return command{}, nil, fmt.Errorf("%s needs <%s> (%s). Usage: %s.", quoteCmd(spec.Name()), p.Name, p.Help, spec.Usage())
		}
	}
	return spec, args, nil
}

// didYouMean suggests the known word closest to an unknown one.
func didYouMean(word string, known []string) string {
	best, bestDist := "", len(word)/3+2
	for _, k := range known {
		if d := editDistance(strings.ToLower(word), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance; hand-written because it is a
// dozen lines and no dependency we have exports one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// clipText shortens s to n runes, ending in "…" when cut.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
