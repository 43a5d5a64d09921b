package connstr

import (
	"strings"
	"testing"
)

// A generated or team password may hold any character a URL, a key=value
// list or an ADO.NET string gives meaning to; rewriting a connection
// string with it must read back the same password and leave the rest.
func TestPasswordWithEveryURLSpecialCharacterRoundTrips(t *testing.T) {
	specials := ":/?#[]@!$&'()*+,;=% \"\\{}|^`<>~\t"
	passwords := []string{specials, "%", "%25", "%zz", "@@", "p@ss:w/rd", "{a;b}}c}", "'", `\`, "é🐘", " lead", "trail "}
	for _, ch := range specials {
		passwords = append(passwords, "a"+string(ch)+"b")
	}
	forms := []string{
		"postgres://app:old@db:5432/app?sslmode=disable",
		"mysql://root:old@mysql:3306/app",
		"redis://:old@redis:6379/0",
		"amqp://guest:old@rabbit:5672/%2f",
		"mongodb://u:old@m1:27017,m2:27017/app?replicaSet=rs0",
		"jdbc:postgresql://db:5432/app?user=app&password=old",
		"jdbc:sqlserver://db:1433;databaseName=app;user=sa;password=old;",
		"host=db port=5432 dbname=app user=app password=old",
		"Host=db;Port=5432;Username=app;Password=old;Database=app",
		"Server=db,1433;Initial Catalog=app;User ID=sa;Password=old;",
	}
	for _, s := range forms {
		for _, pw := range passwords {
			c, ok := Parse(s)
			if !ok {
				t.Fatalf("Parse(%q) failed", s)
			}
			hosts, db := c.Hosts(), c.Database()
			c.SetPassword(pw)
			out := c.String()
			back, ok := Parse(out)
			if !ok {
				t.Errorf("%s with password %q: %q does not parse", s, pw, out)
				continue
			}
			if got, ok := back.Password(); !ok || got != pw {
				t.Errorf("%s with password %q: wrote %q, read back %q", s, pw, out, got)
			}
			if back.Form() != c.Form() || back.Database() != db || !sameHosts(back.Hosts(), hosts) {
				t.Errorf("%s with password %q: wrote %q, which changed the rest (%v %q %v)", s, pw, out, back.Form(), back.Database(), back.Hosts())
			}
			if strings.Contains(back.Masked(), pw) && len(pw) > 2 {
				t.Errorf("%s: Masked() %q shows the password %q", s, back.Masked(), pw)
			}
		}
	}
}

func sameHosts(a, b []Host) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
