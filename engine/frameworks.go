package engine

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Frameworks whose own variable names parity sets besides the
// conventional ones, because their apps read nothing else: Laravel's DB_*
// and REDIS_*, Spring Boot's SPRING_DATASOURCE_* and friends.
const (
	frameworkLaravel = "laravel"
	frameworkSpring  = "spring"
)

// detectFrameworks looks for the app's framework in dir and its parents up
// to the repository root: artisan or a composer.json requiring Laravel; a
// Maven or Gradle build using Spring Boot.
func detectFrameworks(dir string) []string {
	var found []string
	add := func(f string) {
		for _, have := range found {
			if have == f {
				return
			}
		}
		found = append(found, f)
	}
	for d := dir; ; {
		if isRegular(filepath.Join(d, "artisan")) || fileContains(filepath.Join(d, "composer.json"), "laravel/framework") {
			add(frameworkLaravel)
		}
		for _, build := range []string{"pom.xml", "build.gradle", "build.gradle.kts"} {
			if fileContains(filepath.Join(d, build), "spring-boot") {
				add(frameworkSpring)
			}
		}
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	return found
}

func isRegular(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

func fileContains(path, s string) bool {
	data, err := os.ReadFile(path)
	return err == nil && strings.Contains(string(data), s)
}

// frameworks sets the detected frameworks' variables for the first
// service of each kind they know, where no layer points them at a service.
func (b *envBuilder) frameworks(names []string) {
	first := func(kinds ...string) *plannedService {
		for _, ps := range b.plan.containers() {
			if ps.Role == RoleBacking && ps.MainPort != 0 {
				for _, k := range kinds {
					if ps.Stack.Kind() == k {
						return ps
					}
				}
			}
		}
		return nil
	}
	port := func(ps *plannedService) string { return strconv.Itoa(ps.Ports[ps.MainPort]) }
	for _, name := range names {
		switch name {
		case frameworkLaravel:
			if db := first("postgres", "mysql"); db != nil {
				driver := "mysql"
				if db.Stack.Kind() == "postgres" {
					driver = "pgsql"
				}
				c := db.Credentials
				b.fill(db, "DB_CONNECTION", driver, false)
				b.fill(db, "DB_HOST", loopback, false)
				b.fill(db, "DB_PORT", port(db), false)
				b.fill(db, "DB_DATABASE", c.Database, false)
				b.fill(db, "DB_USERNAME", c.User, false)
				b.fill(db, "DB_PASSWORD", c.Password, true)
			}
			if r := first("redis"); r != nil {
				b.fill(r, "REDIS_HOST", loopback, false)
				b.fill(r, "REDIS_PORT", port(r), false)
				if pw := r.Credentials.Password; pw != "" {
					b.fill(r, "REDIS_PASSWORD", pw, true)
				}
			}
		case frameworkSpring:
			if db := first("postgres", "mysql"); db != nil {
				sub := "mysql"
				if db.Stack.Kind() == "postgres" {
					sub = "postgresql"
				}
				c := db.Credentials
				b.fill(db, "SPRING_DATASOURCE_URL", "jdbc:"+sub+"://"+loopback+":"+port(db)+"/"+c.Database, false)
				b.fill(db, "SPRING_DATASOURCE_USERNAME", c.User, false)
				b.fill(db, "SPRING_DATASOURCE_PASSWORD", c.Password, true)
			}
			if r := first("redis"); r != nil {
				for _, p := range []string{"SPRING_DATA_REDIS_", "SPRING_REDIS_"} { // Boot 3, Boot 2
					b.fill(r, p+"HOST", loopback, false)
					b.fill(r, p+"PORT", port(r), false)
					if pw := r.Credentials.Password; pw != "" {
						b.fill(r, p+"PASSWORD", pw, true)
					}
				}
			}
			if m := first("rabbitmq"); m != nil {
				c := m.Credentials
				b.fill(m, "SPRING_RABBITMQ_HOST", loopback, false)
				b.fill(m, "SPRING_RABBITMQ_PORT", port(m), false)
				b.fill(m, "SPRING_RABBITMQ_USERNAME", c.User, false)
				b.fill(m, "SPRING_RABBITMQ_PASSWORD", c.Password, true)
				if c.Database != "" {
					b.fill(m, "SPRING_RABBITMQ_VIRTUAL_HOST", c.Database, false)
				}
			}
			if m := first("mongo"); m != nil {
				b.fill(m, "SPRING_DATA_MONGODB_URI", m.URL(), m.Credentials.Password != "")
			}
		}
	}
}
