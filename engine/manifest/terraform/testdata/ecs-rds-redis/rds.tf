resource "random_password" "db" {
  length  = 32
  special = false
}

resource "aws_db_instance" "main" {
  identifier        = "shop-${var.env}"
  engine            = "postgres"
  engine_version    = "15.4"
  instance_class    = "db.t4g.medium"
  allocated_storage = 20
  db_name           = "shop"
  username          = "shop"
  password          = random_password.db.result
  lifecycle {
    ignore_changes = [password]
  }
}
