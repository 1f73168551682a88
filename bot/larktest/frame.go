package larktest

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// frame is the long-connection protocol's protobuf message (pbbp2.Frame). It is encoded by hand rather than
// through the SDK's ws package, which would pull the whole SDK into every test binary that uses larktest.
//
//	message Header { required string key = 1; required string value = 2; }
//	message Frame  { required uint64 SeqID = 1; required uint64 LogID = 2; required int32 service = 3;
//	                 required int32 method = 4; repeated Header headers = 5; optional string payload_encoding = 6;
//	                 optional string payload_type = 7; optional bytes payload = 8; optional string LogIDNew = 9; }
type frame struct {
	SeqID, LogID    uint64
	Service, Method int32
	Headers         []frameHeader
	PayloadEncoding string
	PayloadType     string
	Payload         []byte
	LogIDNew        string
}

type frameHeader struct{ Key, Value string }

// Frame methods and header values used by the long connection.
const (
	frameControl = 0
	frameData    = 1
)

func (f *frame) header(key string) string {
	for _, h := range f.Headers {
		if h.Key == key {
			return h.Value
		}
	}
	return ""
}

func appendVarint(b []byte, field int, v uint64) []byte {
	b = binary.AppendUvarint(b, uint64(field<<3|0))
	return binary.AppendUvarint(b, v)
}

func appendBytes(b []byte, field int, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(field<<3|2))
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func (f *frame) marshal() []byte {
	var b []byte
	b = appendVarint(b, 1, f.SeqID)
	b = appendVarint(b, 2, f.LogID)
	b = appendVarint(b, 3, uint64(int64(f.Service))) // int32 varints are sign-extended to 64 bits
	b = appendVarint(b, 4, uint64(int64(f.Method)))
	for _, h := range f.Headers {
		var hb []byte
		hb = appendBytes(hb, 1, []byte(h.Key))
		hb = appendBytes(hb, 2, []byte(h.Value))
		b = appendBytes(b, 5, hb)
	}
	b = appendBytes(b, 6, []byte(f.PayloadEncoding))
	b = appendBytes(b, 7, []byte(f.PayloadType))
	if f.Payload != nil {
		b = appendBytes(b, 8, f.Payload)
	}
	return appendBytes(b, 9, []byte(f.LogIDNew))
}

var errFrame = errors.New("malformed frame")

// protoFields walks a protobuf message, calling fn with each field's number and either its varint value or
// its length-delimited bytes.
func protoFields(b []byte, fn func(field int, v uint64, data []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errFrame
		}
		b = b[n:]
		field, wire := int(key>>3), key&7
		switch wire {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return errFrame
			}
			b = b[n:]
			if err := fn(field, v, nil); err != nil {
				return err
			}
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return errFrame
			}
			data := b[n : n+int(l)]
			b = b[n+int(l):]
			if err := fn(field, 0, data); err != nil {
				return err
			}
		case 1:
			if len(b) < 8 {
				return errFrame
			}
			b = b[8:]
		case 5:
			if len(b) < 4 {
				return errFrame
			}
			b = b[4:]
		default:
			return fmt.Errorf("%w: wire type %d", errFrame, wire)
		}
	}
	return nil
}

func (f *frame) unmarshal(b []byte) error {
	*f = frame{}
	var seen uint
	err := protoFields(b, func(field int, v uint64, data []byte) error {
		seen |= 1 << field
		switch field {
		case 1:
			f.SeqID = v
		case 2:
			f.LogID = v
		case 3:
			f.Service = int32(v)
		case 4:
			f.Method = int32(v)
		case 5:
			var h frameHeader
			if err := protoFields(data, func(field int, _ uint64, d []byte) error {
				switch field {
				case 1:
					h.Key = string(d)
				case 2:
					h.Value = string(d)
				}
				return nil
			}); err != nil {
				return err
			}
			f.Headers = append(f.Headers, h)
		case 6:
			f.PayloadEncoding = string(data)
		case 7:
			f.PayloadType = string(data)
		case 8:
			f.Payload = append([]byte(nil), data...)
		case 9:
			f.LogIDNew = string(data)
		}
		return nil
	})
	if err != nil {
		return err
	}
	const required = 1<<1 | 1<<2 | 1<<3 | 1<<4
	if seen&required != required {
		return fmt.Errorf("%w: missing required field", errFrame)
	}
	return nil
}
