package kube

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/parity-dev/parity/stacks"
)

// cnpgGroup is CloudNativePG's API group.
const cnpgGroup = "postgresql.cnpg.io"

// cnpgImageRef is a Cluster's spec.imageCatalogRef: the image is the
// catalog's entry for major.
type cnpgImageRef struct {
	Kind  string `yaml:"kind"`
	Name  string `yaml:"name"`
	Major int    `yaml:"major"`
}

// catalogImage is the image the catalog ref names, from an ImageCatalog
// (the Cluster's namespace) or ClusterImageCatalog the manifests define;
// "" when they do not define it or it has no entry for the major.
func (r *reader) catalogImage(ns string, ref *cnpgImageRef) string {
	for _, o := range r.objs {
		if o.group() != cnpgGroup || o.Kind != ref.Kind || o.Metadata.Name != ref.Name {
			continue
		}
		if o.Kind == "ImageCatalog" && o.namespace() != ns {
			continue
		}
		var c struct {
			Spec struct {
				Images []struct {
					Image string `yaml:"image"`
					Major int    `yaml:"major"`
				} `yaml:"images"`
			} `yaml:"spec"`
		}
		if err := o.node.Decode(&c); err != nil {
			r.warnf("%s: %s %s: %v: not read", o.origin, o.Kind, o.Metadata.Name, yamlMessage(err))
			return ""
		}
		for _, img := range c.Spec.Images {
			if img.Major == ref.Major {
				return img.Image
			}
		}
		return ""
	}
	return ""
}

// catalogVersion is the PostgreSQL version a Cluster's imageCatalogRef
// runs: the version in the tag of the catalog's image when the manifests
// hold the catalog, else the major version the ref names.
func (r *reader) catalogVersion(o *object, ref *cnpgImageRef) (image, version string) {
	major := strconv.Itoa(ref.Major)
	image = r.catalogImage(o.namespace(), ref)
	if image == "" {
		r.warnf("%s: Cluster %s takes its image from %s %s, which is not in the manifests (or has no image for major %d): parity runs postgres %s; pin spec.imageName or add the catalog to have the exact version read", o.origin, o.Metadata.Name, ref.Kind, ref.Name, ref.Major, major)
		return "", major
	}
	if v := versionFromImage(image); v == major || strings.HasPrefix(v, major+".") {
		return image, v
	}
	return image, major
}

// postgisTagRE finds PostGIS's version in CloudNativePG's PostGIS operand
// image tags: 3.6 in postgis:18.6-3.6.2-system-trixie and postgis:16-3.4.
var postgisTagRE = regexp.MustCompile(`^\d+(?:\.\d+)?-(\d+\.\d+)`)

// postgisExtensionRE finds it in an extension image's tag: 3.6 in
// postgis-extension:3.6.1-18-trixie.
var postgisExtensionRE = regexp.MustCompile(`^(\d+\.\d+)`)

// cnpgExtension is one of spec.postgresql.extensions: an image volume
// mounted into the PostgreSQL container.
type cnpgExtension struct {
	Name  string `yaml:"name"`
	Image struct {
		Reference string `yaml:"reference"`
	} `yaml:"image"`
}

// postgisVersion is the PostGIS major.minor a Cluster runs, from a PostGIS
// operand image or a postgis image-volume extension; "" when it runs no
// PostGIS. found reports whether it runs PostGIS at all.
func postgisVersion(imageName string, extensions []cnpgExtension) (version string, found bool) {
	img := stacks.ParseImage(imageName)
	if img.Repo == "postgis" || strings.HasSuffix(img.Repo, "/postgis") {
		if m := postgisTagRE.FindStringSubmatch(img.Tag); m != nil {
			return m[1], true
		}
		return "", true
	}
	for _, e := range extensions {
		if e.Name != "postgis" {
			continue
		}
		if m := postgisExtensionRE.FindStringSubmatch(stacks.ParseImage(e.Image.Reference).Tag); m != nil {
			return m[1], true
		}
		return "", true
	}
	return "", false
}

// usePostGIS runs the upstream PostGIS image of the Cluster's PostgreSQL
// major version in place of plain postgres: an app that creates the
// extension fails on an image without it.
func (r *reader) usePostGIS(o *object, s *service, version, postgis string) {
	major, _, _ := strings.Cut(version, ".")
	if postgis == "" || major == "" {
		r.warnf("%s: Cluster %s runs PostGIS, but its version is not in the image tag: parity runs %s without PostGIS; set the PostGIS image in parity.yaml (postgis/postgis:<postgres major>-<postgis version>)", o.origin, o.Metadata.Name, s.Image)
		return
	}
	s.Image = "postgis/postgis:" + major + "-" + postgis
	s.Managed.Note = fmt.Sprintf("production runs PostgreSQL %s with PostGIS %s: parity runs the upstream PostGIS image of that major version, %s", version, postgis, s.Image)
}

// readCNPGCompanions reads the objects that name a Cluster: a Pooler's
// Service reaches the same database (pgbouncer passes connections
// through), so its name is one of the database's; a Database makes a
// database parity does not create, which the app may expect.
func (r *reader) readCNPGCompanions(cluster *object, s *service, database string) {
	for _, o := range r.objs {
		if o.group() != cnpgGroup || o.namespace() != cluster.namespace() || (o.Kind != "Pooler" && o.Kind != "Database") {
			continue
		}
		var c struct {
			Spec struct {
				Cluster struct {
					Name string `yaml:"name"`
				} `yaml:"cluster"`
				Name   string `yaml:"name"`
				Ensure string `yaml:"ensure"`
			} `yaml:"spec"`
		}
		if err := o.node.Decode(&c); err != nil || c.Spec.Cluster.Name != cluster.Metadata.Name {
			continue
		}
		switch o.Kind {
		case "Pooler":
			s.Aliases = append(s.Aliases, dnsNames(o.Metadata.Name, o.namespace())...)
		case "Database":
			if c.Spec.Name != "" && c.Spec.Name != database && c.Spec.Ensure != "absent" {
				r.warnf("%s: Database %s makes database %s in Cluster %s: parity creates %s only; create %s in a migration or an init script", o.origin, o.Metadata.Name, c.Spec.Name, cluster.Metadata.Name, database, c.Spec.Name)
			}
		}
	}
}
