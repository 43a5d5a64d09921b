resource "random_password" "db" {
  length  = 32
  special = false # the password goes into DATABASE_URL as it is
}

resource "aws_db_instance" "main" {
  identifier          = local.name
  engine              = "postgres"
  engine_version      = "15.4"
  instance_class      = "db.t4g.micro"
  allocated_storage   = 20
  db_name             = "shop"
  username            = "shop"
  password            = random_password.db.result
  skip_final_snapshot = true
  tags                = local.tags
}
