package platforms

import "encoding/json"

// FlexString reads a JSON string or number as text: the ad platforms send ids as strings in some answers
// and as numbers in others.
type FlexString string

// UnmarshalJSON takes a string, a number or null.
func (f *FlexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FlexString(s)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	*f = FlexString(b)
	return nil
}
