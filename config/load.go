package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads and validates the config file at path. See Parse.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("config file %s does not exist (copy herald.example.yaml to start one): %w", path, err)
		}
		return nil, fmt.Errorf("read config file: %w", err)
	}
	return Parse(path, data)
}

// Parse reads a config file's contents; name is used in problem reports.
// ${NAME} and ${NAME:-default} in values are expanded from the environment.
// The file is laid over Default(), feeds get the defaults section's
// values, and the result is validated.
//
// Problems in the file come back as a Problems error listing all of them.
// Then the returned Config is not nil either: it holds what could be read,
// and its Warnings, so `herald check` can show both; do not run on it.
func Parse(name string, data []byte) (*Config, error) {
	return parseWith(name, data, os.LookupEnv)
}

func parseWith(name string, data []byte, lookup func(string) (string, bool)) (*Config, error) {
	c := Default()
	c.File = name
	root, err := parseYAML(data)
	if err != nil {
		line, msg := yamlErrorLine(err)
		return c, Problems{{File: name, Line: line, Msg: "YAML syntax: " + msg}}
	}
	d := &decoder{file: name, lookup: lookup, lines: map[string]int{}, failed: map[string]bool{}, following: map[*yaml.Node]bool{}, types: map[reflect.Type]typeFields{}}
	if root != nil {
		d.decode(root, "", reflect.ValueOf(c).Elem(), field{})
	}
	c.lines = d.lines
	if d.steps >= maxSteps {
		// What was read is a fragment of an absurd document; checking it
		// would only bury the one problem that matters.
		return c, d.problems
	}
	c.applyDefaults()
	errs, warns := c.check()
	problems := d.problems
	for _, p := range errs {
		// A value the decoder rejected kept its default; checking that
		// default would only add noise about the same line.
		if !d.failedAt(p.Path) {
			problems = append(problems, p)
		}
	}
	c.Warnings = append(d.warnings, warns...)
	c.Warnings.sort()
	if len(problems) > 0 {
		problems.sort()
		return c, problems
	}
	return c, nil
}

// parseYAML returns the document's root node, nil for an empty file.
func parseYAML(data []byte) (root *yaml.Node, err error) {
	// yaml.v3 turns its own errors into values but lets other panics
	// through; a config file, however broken, must never crash Herald.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the YAML parser failed: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("line %d: a second YAML document starts here; a config file holds one", extra.Line)
	} else if !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlErrorLine pulls the line number out of a yaml.v3 error message.
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// failedAt reports whether the decoder rejected path or a key above it.
func (d *decoder) failedAt(path string) bool {
	for p := path; p != ""; p = parentPath(p) {
		if d.failed[p] {
			return true
		}
	}
	return false
}

// parentPath strips the last key or index: feeds[2].url → feeds[2] → feeds.
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// lineOf is the line of path, or of the nearest key above it that is in
// the file (a missing key is reported where its parent is).
func (c *Config) lineOf(path string) int {
	for p := path; p != ""; p = parentPath(p) {
		if l, ok := c.lines[p]; ok {
			return l
		}
	}
	return 0
}

// ProblemAt makes a Problem at a key path of this config, with the path's
// line, for checks that live outside this package (such as the renderer's
// stricter template rules, which config cannot import).
func (c *Config) ProblemAt(path, msg string) Problem {
	return Problem{File: c.File, Line: c.lineOf(path), Path: path, Msg: msg}
}
