package onvif

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Refusals of operation.
var (
	errUnsupported = errors.New("not supported")
	errNoProfile   = errors.New("no such profile")
)

// operation answers op for cam: the body of the response, errUnsupported or errNoProfile.
func (s *Server) operation(cam Camera, service string, op *operation) (string, error) {
	dev, media := s.DeviceURL(cam.ID), s.base()+"/onvif/"+cam.ID+"/media_service"
	if service == "device_service" {
		switch op.XMLName.Local {
		case "GetSystemDateAndTime":
			return systemDateAndTime(s.cfg.TimeNow().UTC()), nil
		case "GetCapabilities":
			return `<tds:GetCapabilitiesResponse><tds:Capabilities>` +
				`<tt:Device><tt:XAddr>` + esc(dev) + `</tt:XAddr></tt:Device>` +
				`<tt:Media><tt:XAddr>` + esc(media) + `</tt:XAddr><tt:StreamingCapabilities>` +
				`<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP>` +
				`</tt:StreamingCapabilities></tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>`, nil
		case "GetServices":
			svc := func(ns, addr string) string {
				return `<tds:Service><tds:Namespace>` + ns + `</tds:Namespace><tds:XAddr>` + esc(addr) +
					`</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>5</tt:Minor></tds:Version></tds:Service>`
			}
			return `<tds:GetServicesResponse>` + svc(nsDevice, dev) + svc(nsMedia, media) + `</tds:GetServicesResponse>`, nil
		case "GetDeviceInformation":
			return `<tds:GetDeviceInformationResponse><tds:Manufacturer>` + esc(s.cfg.Manufacturer) +
				`</tds:Manufacturer><tds:Model>` + esc(s.cfg.Model) + `</tds:Model><tds:FirmwareVersion>1.0</tds:FirmwareVersion>` +
				`<tds:SerialNumber>` + esc(cam.ID) + `</tds:SerialNumber><tds:HardwareId>` + esc(s.cfg.Model) +
				`</tds:HardwareId></tds:GetDeviceInformationResponse>`, nil
		case "GetHostname":
			return `<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP><tt:Name>` +
				esc(cam.ID) + `</tt:Name></tds:HostnameInformation></tds:GetHostnameResponse>`, nil
		case "GetScopes":
			var b string
			for _, sc := range scopes(cam, s.cfg) {
				b += `<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>` + esc(sc) + `</tt:ScopeItem></tds:Scopes>`
			}
			return `<tds:GetScopesResponse>` + b + `</tds:GetScopesResponse>`, nil
		}
		return "", errUnsupported
	}
	hasProfile := op.ProfileToken == profileToken
	switch op.XMLName.Local {
	case "GetProfiles":
		return `<trt:GetProfilesResponse>` + profile("trt:Profiles", cam) + `</trt:GetProfilesResponse>`, nil
	case "GetProfile":
		if !hasProfile {
			return "", errNoProfile
		}
		return `<trt:GetProfileResponse>` + profile("trt:Profile", cam) + `</trt:GetProfileResponse>`, nil
	case "GetVideoSources":
		return fmt.Sprintf(`<trt:GetVideoSourcesResponse><trt:VideoSources token="vs"><tt:Framerate>%s</tt:Framerate>`+
			`<tt:Resolution><tt:Width>%d</tt:Width><tt:Height>%d</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>`,
			fps(cam), cam.Width, cam.Height), nil
	case "GetStreamUri":
		if !hasProfile {
			return "", errNoProfile
		}
		return `<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>` + esc(cam.URI) + `</tt:Uri>` +
			`<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>` +
			`<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>`, nil
	case "GetSnapshotUri":
		if cam.Snapshot == nil {
			return "", errUnsupported
		}
		if !hasProfile {
			return "", errNoProfile
		}
		return `<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>` + esc(s.base()+"/onvif/"+cam.ID+"/snapshot.jpg") + `</tt:Uri>` +
			`<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>` +
			`<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetSnapshotUriResponse>`, nil
	}
	return "", errUnsupported
}

func systemDateAndTime(t time.Time) string {
	return fmt.Sprintf(`<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>Manual</tt:DateTimeType>`+
		`<tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>GMT0</tt:TZ></tt:TimeZone>`+
		`<tt:UTCDateTime><tt:Time><tt:Hour>%d</tt:Hour><tt:Minute>%d</tt:Minute><tt:Second>%d</tt:Second></tt:Time>`+
		`<tt:Date><tt:Year>%d</tt:Year><tt:Month>%d</tt:Month><tt:Day>%d</tt:Day></tt:Date></tt:UTCDateTime>`+
		`</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`,
		t.Hour(), t.Minute(), t.Second(), t.Year(), int(t.Month()), t.Day())
}

func fps(c Camera) string {
	if c.FPS <= 0 {
		return "25"
	}
	return strconv.FormatFloat(c.FPS, 'f', -1, 64)
}

// profile is the camera's one media profile: its video source and encoder as served.
func profile(elem string, c Camera) string {
	gov := int(c.FPS * 2)
	if gov <= 0 {
		gov = 50
	}
	codec := codecOf(c)
	return fmt.Sprintf(`<%[1]s token="%[2]s" fixed="true"><tt:Name>%[2]s</tt:Name>`+
		`<tt:VideoSourceConfiguration token="vsc"><tt:Name>vsc</tt:Name><tt:UseCount>1</tt:UseCount><tt:SourceToken>vs</tt:SourceToken>`+
		`<tt:Bounds x="0" y="0" width="%[3]d" height="%[4]d"></tt:Bounds></tt:VideoSourceConfiguration>`+
		`<tt:VideoEncoderConfiguration token="vec"><tt:Name>vec</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>%[5]s</tt:Encoding>`+
		`<tt:Resolution><tt:Width>%[3]d</tt:Width><tt:Height>%[4]d</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality>`+
		`<tt:RateControl><tt:FrameRateLimit>%[6]s</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>2048</tt:BitrateLimit></tt:RateControl>`+
		`<tt:%[5]s><tt:GovLength>%[7]d</tt:GovLength><tt:%[5]sProfile>Main</tt:%[5]sProfile></tt:%[5]s>`+
		`<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration></%[1]s>`,
		elem, profileToken, c.Width, c.Height, codec, fps(c), gov)
}

// scopes are the camera's WS-Discovery scopes (Profile S, its name, the hardware).
func scopes(c Camera, cfg Config) []string {
	return []string{
		"onvif://www.onvif.org/type/video_encoder",
		"onvif://www.onvif.org/Profile/Streaming",
		"onvif://www.onvif.org/name/" + c.ID,
		"onvif://www.onvif.org/hardware/" + cfg.Model,
		"onvif://www.onvif.org/location/trafficsim",
	}
}

// handleSnapshot serves the camera's JPEG (HTTP Basic with the camera's credentials).
func (s *Server) handleSnapshot(w http.ResponseWriter, r *http.Request) {
	cam, ok := s.camera(r.PathValue("cam"))
	if !ok || cam.Snapshot == nil {
		http.Error(w, "no such camera snapshot", http.StatusNotFound)
		return
	}
	if cam.Username != "" {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(cam.Username)) != 1 || subtle.ConstantTimeCompare([]byte(p), []byte(cam.Password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="`+cam.ID+`"`)
			http.Error(w, "credentials of the camera required", http.StatusUnauthorized)
			return
		}
	}
	b, err := cam.Snapshot()
	if err != nil {
		http.Error(w, "snapshot: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}
