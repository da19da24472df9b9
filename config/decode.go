package config

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decoder lays a YAML node tree over a Config.
//
// It is written by hand, not left to yaml.Node.Decode, because the file's
// users need what Decode cannot give: unknown keys rejected with a
// suggestion (KnownFields exists only on yaml.Decoder, which gives no
// Nodes), a key path beside each line number, ${ENV} expansion before a
// scalar is typed, and secrets that must be strings although Decode
// quietly turns 12345 into "12345".
type decoder struct {
	file     string
	lookup   func(string) (string, bool)
	problems Problems
	warnings Problems
	lines    map[string]int  // key path → line
	failed   map[string]bool // key paths whose value was rejected
	steps    int             // nodes visited, to stop alias bombs
	// following holds the anchored nodes being decoded through an alias or
	// a merge key: YAML lets an anchor contain an alias to itself, which
	// followed blindly recurses until the stack overflows.
	following map[*yaml.Node]bool
	types     map[reflect.Type]typeFields // fieldsOf, computed once per type
}

type typeFields struct {
	byKey map[string]field
	keys  []string
}

// maxSteps bounds the values visited: aliases can make a small file
// expand into billions of them. A feed with two routes and a filter is
// about fifteen values, so this allows some 20,000 feeds.
const maxSteps = 300_000

// field is one settable key of a struct, inline fields flattened.
type field struct {
	index  []int
	secret string // for secrets: the environment variable to suggest
	dsn    bool   // a secret only when it holds a password
}

func (d *decoder) fail(line int, path, format string, args ...any) {
	d.problems = append(d.problems, Problem{File: d.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
	d.failed[path] = true
}

// decode lays n over v, which must be settable.
func (d *decoder) decode(n *yaml.Node, path string, v reflect.Value, f field) {
	d.steps++
	if d.steps == maxSteps {
		d.fail(n.Line, path, "the document expands to more than %d nodes (aliases?); Herald stops reading here", maxSteps)
	}
	if d.steps >= maxSteps {
		return
	}
	line := n.Line
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return
		}
		if d.following[n.Alias] {
			d.fail(line, path, "the alias *%s is inside the value it names, so it never ends", n.Value)
			return
		}
		d.following[n.Alias] = true
		defer delete(d.following, n.Alias)
		n = n.Alias
	}
	if _, ok := d.lines[path]; !ok {
		d.lines[path] = line
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // `key:` with nothing keeps the default
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, path, v.Elem(), f)
		return
	}
	if tu, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		s, ok := d.scalar(n, line, path, "a single value")
		if !ok {
			return
		}
		if err := tu.UnmarshalText([]byte(s)); err != nil {
			d.fail(line, path, "%v", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.mapping(n, line, path, v)
	case reflect.Slice:
		d.sequence(n, line, path, v)
	case reflect.String:
		d.str(n, line, path, v, f)
	case reflect.Bool:
		s, ok := d.scalar(n, line, path, "true or false")
		if !ok {
			return
		}
		b, ok := parseBool(s)
		if !ok {
			d.fail(line, path, "%q is not true or false", s)
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s, ok := d.scalar(n, line, path, "a whole number")
		if !ok {
			return
		}
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			d.fail(line, path, "%q is not a whole number", s)
			return
		}
		v.SetInt(i)
	default:
		// Only reachable if a field of a type this decoder does not know is
		// added to Config; fail loudly in tests rather than ignore the key.
		d.fail(line, path, "internal: cannot read a %s", v.Type())
	}
}

func (d *decoder) str(n *yaml.Node, line int, path string, v reflect.Value, f field) {
	s, ok := d.scalar(n, line, path, "text")
	if !ok {
		return
	}
	// YAML turns 12345 into a number; a Discord id written bare is fine as
	// text, but a secret that YAML did not read as a string was mangled or
	// misplaced (octal 0755, 1e5, true): say so instead of guessing.
	if f.secret != "" {
		if tag := n.ShortTag(); tag != "!!str" {
			d.fail(line, path, "must be text, not %s: quote it, or better write ${%s} and set that variable", kindName(n), f.secret)
			return
		}
		if s != "" && !strings.Contains(n.Value, "${") && (!f.dsn || dsnHasPassword(s)) {
			d.warnings = append(d.warnings, Problem{File: d.file, Line: line, Path: path,
				Msg: fmt.Sprintf("a secret is written in the file; anyone who can read it can use it: write ${%s} and set that environment variable", f.secret)})
		}
	}
	v.SetString(s)
}

// scalar returns a scalar's value with ${ENV} references expanded.
func (d *decoder) scalar(n *yaml.Node, line int, path, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.fail(line, path, "must be %s, not %s", want, kindName(n))
		return "", false
	}
	s, err := expandEnv(n.Value, d.lookup)
	if err != nil {
		d.fail(line, path, "%v", err)
		return "", false
	}
	return s, true
}

func (d *decoder) sequence(n *yaml.Node, line int, path string, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.fail(line, path, "must be a list (lines starting with \"- \"), not %s", kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		d.lines[p] = item.Line
		d.decode(item, p, s.Index(i), field{})
	}
	v.Set(s)
}

func (d *decoder) mapping(n *yaml.Node, line int, path string, v reflect.Value) {
	tf, ok := d.types[v.Type()]
	if !ok {
		tf.byKey, tf.keys = fieldsOf(v.Type())
		d.types[v.Type()] = tf
	}
	fields, keys := tf.byKey, tf.keys
	if n.Kind != yaml.MappingNode {
		hint := ""
		for _, key := range []string{"url", "to"} {
			if _, ok := fields[key]; ok && n.Kind == yaml.ScalarNode {
				hint = fmt.Sprintf(" (write %s: %s)", key, n.Value) // "- https://…" meant "- url: https://…"
			}
		}
		d.fail(line, path, "must be a mapping (key: value lines), not %s%s", kindName(n), hint)
		return
	}
	isMerge := func(k *yaml.Node) bool { return k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" }
	// Merged values first, wherever `<<` stands: keys written beside it win.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if isMerge(n.Content[i]) {
			d.merge(n.Content[i+1], path, v)
		}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if isMerge(k) {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k.Line, path, "a key must be a plain word, not %s", kindName(k))
			continue
		}
		p := k.Value
		if path != "" {
			p = path + "." + k.Value
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(k.Line, p, "appears twice (first on line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		f, ok := fields[k.Value]
		if !ok {
			msg := fmt.Sprintf("unknown key %q", k.Value)
			if s := closest(k.Value, keys); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (known keys: " + strings.Join(keys, ", ") + ")"
			}
			d.fail(k.Line, p, "%s", msg)
			continue
		}
		d.lines[p] = k.Line
		d.decode(val, p, v.FieldByIndex(f.index), f)
	}
}

// merge applies a YAML merge key (`<<: *base`), one mapping or a list.
func (d *decoder) merge(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind == yaml.SequenceNode {
		for _, m := range n.Content {
			d.merge(m, path, v)
		}
		return
	}
	if n.Kind != yaml.AliasNode && n.Kind != yaml.MappingNode {
		d.fail(n.Line, path, "<< merges a mapping or a list of mappings, not %s", kindName(n))
		return
	}
	d.decode(n, path, v, field{})
}

// fieldsOf lists a struct's keys, flattening `yaml:",inline"` fields.
func fieldsOf(t reflect.Type) (map[string]field, []string) {
	fields := map[string]field{}
	var keys []string
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
			index := append(append([]int(nil), prefix...), i)
			if opts == "inline" {
				walk(sf.Type, index)
				continue
			}
			if name == "-" || name == "" {
				continue
			}
			if _, dup := fields[name]; dup {
				continue // the outer struct's key wins, as in encoding/json
			}
			f := field{index: index}
			if tag, ok := sf.Tag.Lookup("herald"); ok {
				for opt := range strings.SplitSeq(tag, ",") {
					if env, ok := strings.CutPrefix(opt, "secret="); ok {
						f.secret = env
					}
					f.dsn = f.dsn || opt == "dsn"
				}
			}
			fields[name] = f
			keys = append(keys, name)
		}
	}
	walk(t, nil)
	return fields, keys
}

// kindName says what a node is, for "must be X, not Y" messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.ShortTag() {
	case "!!int":
		return "a number (" + n.Value + ")"
	case "!!float":
		return "a decimal number (" + n.Value + ")"
	case "!!bool":
		return "true/false (" + n.Value + ")"
	case "!!null":
		return "empty"
	case "!!str":
		return "text"
	}
	return "a " + n.ShortTag() + " value"
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "1":
		return true, true
	case "false", "no", "off", "0":
		return false, true
	}
	return false, false
}
