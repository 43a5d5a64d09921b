resource "aws_db_instance" "main" {
  engine = "postgres"
  engine_version = 
}
