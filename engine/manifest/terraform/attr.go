package terraform

import (
	"strconv"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// get walks v by attribute names (string) and indexes (int), returning
// cty.NilVal where the path leads nowhere. An index applied to an object
// (a nested block written in JSON, which has no schema to make it a list)
// yields the object itself for index 0.
func get(v cty.Value, path ...any) cty.Value {
	for _, step := range path {
		if v == cty.NilVal || v.IsNull() || !v.IsKnown() {
			return cty.NilVal
		}
		ty := v.Type()
		switch s := step.(type) {
		case string:
			switch {
			case ty.IsObjectType():
				if !ty.HasAttribute(s) {
					return cty.NilVal
				}
				v = v.GetAttr(s)
			case ty.IsMapType():
				k := cty.StringVal(s)
				if !v.HasIndex(k).True() {
					return cty.NilVal
				}
				v = v.Index(k)
			default:
				return cty.NilVal
			}
		case int:
			switch {
			case ty.IsListType() || ty.IsTupleType():
				if s >= v.LengthInt() {
					return cty.NilVal
				}
				v = v.Index(cty.NumberIntVal(int64(s)))
			case ty.IsSetType():
				if s >= v.LengthInt() {
					return cty.NilVal
				}
				v = v.AsValueSlice()[s]
			case ty.IsObjectType() || ty.IsMapType():
				if s != 0 {
					return cty.NilVal
				}
			default:
				return cty.NilVal
			}
		}
	}
	return v
}

// elems is v's elements when it is a list, tuple or set; an object (a
// single JSON block) is one element.
func elems(v cty.Value) []cty.Value {
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() {
		return nil
	}
	ty := v.Type()
	switch {
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		return v.AsValueSlice()
	case ty.IsObjectType():
		return []cty.Value{v}
	}
	return nil
}

// str is v as text when it is a known string, number or bool; false when
// absent, null or unknown.
func str(v cty.Value) (string, bool) {
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() {
		return "", false
	}
	if v.Type() == cty.String {
		return v.AsString(), true
	}
	if s, err := convert.Convert(v, cty.String); err == nil && s.IsKnown() && !s.IsNull() {
		return s.AsString(), true
	}
	return "", false
}

// isTrue reports whether v is true, or a string that reads as true.
func isTrue(v cty.Value) bool {
	s, ok := str(v)
	if !ok {
		return false
	}
	b, err := strconv.ParseBool(s)
	return err == nil && b
}

// isSet reports whether v is written with a value (unknown counts as set).
func isSet(v cty.Value) bool {
	return v != cty.NilVal && !v.IsNull()
}
