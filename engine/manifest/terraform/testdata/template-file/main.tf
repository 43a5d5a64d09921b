# The layout of older ECS repositories (written for parity, after the
# pattern of davidalonsobadia/aws_ecs_ec2_rds_s3_dynamodb, which has no
# licence to copy): the container definitions are a data "template_file"
# rendered from a JSON template, and the database is looked up again with
# data "aws_db_instance".

variable "rds_password" {
  type      = string
  sensitive = true
}

resource "aws_db_instance" "mysql" {
  identifier     = "mysql"
  engine         = "mysql"
  engine_version = "8.0.32"
  db_name        = "app"
  username       = "app"
  password       = var.rds_password
}

data "aws_db_instance" "mysql" {
  db_instance_identifier = aws_db_instance.mysql.id
}

resource "aws_ecr_repository" "app" {
  name = "app"
}

resource "aws_iam_access_key" "s3" {
  user = "s3"
}

data "template_file" "task_definition_template" {
  template = file("task_definition.json.tpl")
  vars = {
    REPOSITORY_URL       = replace(aws_ecr_repository.app.repository_url, "https://", "")
    MYSQL_HOST           = data.aws_db_instance.mysql.address
    MYSQL_PORT           = data.aws_db_instance.mysql.port
    MYSQL_PASSWORD       = var.rds_password
    AWS_S3_ACCESS_KEY_ID = aws_iam_access_key.s3.id
  }
}

resource "aws_ecs_task_definition" "task_definition" {
  family                = "app"
  container_definitions = data.template_file.task_definition_template.rendered
}
