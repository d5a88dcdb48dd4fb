package onvif

import (
	"bytes"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Namespaces of the messages.
const (
	nsSOAP   = "http://www.w3.org/2003/05/soap-envelope"
	nsDevice = "http://www.onvif.org/ver10/device/wsdl"
	nsMedia  = "http://www.onvif.org/ver10/media/wsdl"
	nsSchema = "http://www.onvif.org/ver10/schema"
	nsWSSE   = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	nsWSU    = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	nsWSA    = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	nsWSD    = "http://schemas.xmlsoap.org/ws/2005/04/discovery"

	passwordDigest = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
)

// envelope is a SOAP request: the security header and the operation in the body.
type envelope struct {
	XMLName xml.Name `xml:"Envelope"`
	Header  struct {
		Security *struct {
			UsernameToken *usernameToken `xml:"UsernameToken"`
		} `xml:"Security"`
		MessageID string `xml:"MessageID"`
	} `xml:"Header"`
	Body struct {
		Op operation `xml:",any"`
	} `xml:"Body"`
}

type usernameToken struct {
	Username string `xml:"Username"`
	Password struct {
		Type  string `xml:"Type,attr"`
		Value string `xml:",chardata"`
	} `xml:"Password"`
	Nonce   string `xml:"Nonce"`
	Created string `xml:"Created"`
}

// operation is the body's first element with the children the operations read.
type operation struct {
	XMLName      xml.Name
	ProfileToken string   `xml:"ProfileToken"`
	Types        string   `xml:"Types"`  // Probe
	Scopes       string   `xml:"Scopes"` // Probe
	Category     []string `xml:"Category"`
}

// maxRequest bounds a SOAP request (a GetStreamUri is under 2 KB).
const maxRequest = 64 << 10

// parseEnvelope reads a SOAP 1.2 request; the error says what is wrong for a Sender fault.
func parseEnvelope(b []byte) (*envelope, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("empty request")
	}
	var env envelope
	d := xml.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(&env); err != nil {
		return nil, fmt.Errorf("not a SOAP envelope: %v", err)
	}
	if env.XMLName.Space != nsSOAP {
		return nil, fmt.Errorf("envelope namespace %q, want SOAP 1.2 (%s)", env.XMLName.Space, nsSOAP)
	}
	if env.Body.Op.XMLName.Local == "" {
		return nil, errors.New("empty SOAP body")
	}
	return &env, nil
}

// authError is why a UsernameToken is refused.
type authError struct{ msg string }

func (e *authError) Error() string { return e.msg }

// maxSkew bounds how far a token's Created may be from the server's clock.
const maxSkew = 5 * time.Minute

// checkToken verifies a WS-UsernameToken PasswordDigest:
// Base64(SHA-1(nonce bytes + Created + password)).
func checkToken(t *usernameToken, user, pass string, now time.Time) error {
	switch {
	case t == nil:
		return &authError{"a WS-Security UsernameToken is required"}
	case t.Username != user:
		return &authError{fmt.Sprintf("unknown user %q", t.Username)}
	case strings.TrimSpace(t.Password.Type) != passwordDigest:
		return &authError{"password type must be PasswordDigest"}
	}
	nonce, err := base64.StdEncoding.DecodeString(strings.TrimSpace(t.Nonce))
	if err != nil || len(nonce) == 0 {
		return &authError{"nonce is not base64"}
	}
	created := strings.TrimSpace(t.Created)
	ct, err := time.Parse(time.RFC3339Nano, created)
	if err != nil {
		return &authError{fmt.Sprintf("created %q is not a UTC time", created)}
	}
	if d := now.Sub(ct); d > maxSkew || d < -maxSkew {
		return &authError{fmt.Sprintf("created %s is more than %v from the camera's clock", created, maxSkew)}
	}
	h := sha1.New()
	h.Write(nonce)
	h.Write([]byte(created))
	h.Write([]byte(pass))
	want := base64.StdEncoding.EncodeToString(h.Sum(nil))
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.TrimSpace(t.Password.Value))) != 1 {
		return &authError{"password digest does not match"}
	}
	return nil
}

// Digest computes a UsernameToken's PasswordDigest (for clients and tests).
func Digest(nonce []byte, created, pass string) string {
	h := sha1.New()
	h.Write(nonce)
	h.Write([]byte(created))
	h.Write([]byte(pass))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// esc escapes text for an element or attribute value.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// soapEnvelope wraps body in a SOAP 1.2 envelope declaring every prefix the answers use.
func soapEnvelope(body string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>` +
		`<s:Envelope xmlns:s="` + nsSOAP + `" xmlns:tds="` + nsDevice + `" xmlns:trt="` + nsMedia +
		`" xmlns:tt="` + nsSchema + `" xmlns:ter="http://www.onvif.org/ver10/error"><s:Body>` + body + `</s:Body></s:Envelope>`)
}

// fault is a SOAP 1.2 fault with an ONVIF subcode (ter:NotAuthorized, ter:ActionNotSupported...).
func fault(code, subcode, reason string) []byte {
	return soapEnvelope(`<s:Fault><s:Code><s:Value>s:` + code + `</s:Value><s:Subcode><s:Value>ter:` + subcode +
		`</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">` + esc(reason) + `</s:Text></s:Reason></s:Fault>`)
}
