resource "google_sql_database_instance" "main" {
  name             = "main-pg"
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-2-7680"
  }
}

resource "google_sql_database" "app" {
  name     = "app"
  instance = google_sql_database_instance.main.name
}

resource "google_sql_user" "app" {
  name     = "app"
  instance = google_sql_database_instance.main.name
  password = random_password.sql.result
}

resource "random_password" "sql" {
  length = 16
}

resource "google_redis_instance" "memstore" {
  name           = "memstore"
  memory_size_gb = 1
  redis_version  = "REDIS_7_0"
  auth_enabled   = true
}

resource "google_cloud_run_v2_service" "web" {
  name     = "web"
  location = "europe-west1"
  template {
    containers {
      image = "europe-docker.pkg.dev/p/web/web:1.0"
      env {
        name  = "DB_HOST"
        value = google_sql_database_instance.main.private_ip_address
      }
      env {
        name  = "DB_PASS"
        value = google_sql_user.app.password
      }
      env {
        name  = "REDIS_ADDR"
        value = "${google_redis_instance.memstore.host}:${google_redis_instance.memstore.port}"
      }
      env {
        name  = "REDIS_AUTH"
        value = google_redis_instance.memstore.auth_string
      }
      env {
        name = "API_KEY"
        value_source {
          secret_key_ref {
            secret  = "api-key"
            version = "latest"
          }
        }
      }
    }
  }
}
