# Excerpt of terraform-aws-modules/terraform-aws-ecs (Apache-2.0),
# examples/fargate/main.tf at 8d25f4e9989475e2b94ede517253e2d069990073.
# Changed: the module source "../../modules/service" is "./modules/service"
# (an excerpt of it), and the app's environment and secrets name an RDS
# instance added here, as a team's service would.

locals {
  name           = "ex-fargate"
  container_name = "ecsdemo-frontend"
  container_port = 3000
}

data "aws_ssm_parameter" "fluentbit" {
  name = "/aws/service/aws-for-fluent-bit/stable"
}

module "ecs_service" {
  source = "./modules/service"

  name = local.name

  # Container definition(s)
  container_definitions = {

    fluent-bit = {
      cpu       = 512
      memory    = 1024
      essential = true
      image     = nonsensitive(data.aws_ssm_parameter.fluentbit.value)
      firelensConfiguration = {
        type = "fluentbit"
      }
      memoryReservation = 50
      user              = "0"
    }

    (local.container_name) = {
      cpu       = 512
      memory    = 1024
      essential = true
      image     = "public.ecr.aws/aws-containers/ecsdemo-frontend:776fd50"
      portMappings = [
        {
          name          = local.container_name
          containerPort = local.container_port
          hostPort      = local.container_port
          protocol      = "tcp"
        }
      ]

      environment = [
        { name = "DB_HOST", value = aws_db_instance.db.address },
      ]
      secrets = [
        { name = "DB_PASSWORD", valueFrom = aws_db_instance.db.master_user_secret[0].secret_arn },
      ]

      enable_cloudwatch_logging = false
      logConfiguration = {
        logDriver = "awsfirelens"
        options = {
          Name                    = "stdout"
          log-driver-buffer-limit = "2097152"
        }
      }
    }
  }
}

resource "aws_db_instance" "db" {
  identifier                  = local.name
  engine                      = "postgres"
  engine_version              = "16.3"
  username                    = "app"
  manage_master_user_password = true
}
