package richtext

import (
	"reflect"
	"testing"
)

func TestFlatten(t *testing.T) {
	label := []Node{
		Str("see "),
		B(A("https://a.example", Str("inner")), Img("https://i.example/x.png", "")),
		At("u1", "ann"),
		Pre("go", "x := 1"),
	}
	tests := []struct {
		name  string
		kinds []Kind
		want  []Node
	}{
		{"nothing named", nil, label},
		{"links, images and mentions at any depth", []Kind{Link, Image, Mention}, []Node{
			Str("see "),
			B(Str("inner"), Str("https://i.example/x.png")),
			Str("@ann"),
			Pre("go", "x := 1"),
		}},
		{"code blocks too", []Kind{Link, Image, Mention, CodeBlock}, []Node{
			Str("see "),
			B(Str("inner"), Str("https://i.example/x.png")),
			Str("@ann"),
			Str("x := 1"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := InlineText(label)
			got := Flatten(label, tt.kinds...)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Flatten(%v) = %#v, want %#v", tt.kinds, got, tt.want)
			}
			if after := InlineText(label); after != before {
				t.Errorf("Flatten changed its input: text %q, was %q", after, before)
			}
			if InlineText(got) != before {
				t.Errorf("Flatten lost text: %q, want %q", InlineText(got), before)
			}
		})
	}
}
