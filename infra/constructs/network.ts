import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { PipelineConfig } from '../config.js';
import { acknowledge } from '../nag.js';

/** MSK's IAM-authenticated TLS listener. */
const MSK_IAM_PORT = 9098;
export const POSTGRES_PORT = 5432;

export interface NetworkProps {
  config: PipelineConfig;
}

/**
 * Where everything runs: private subnets without a route to the internet (no NAT), and an
 * interface endpoint for the one AWS API the code calls: Secrets Manager (the database secrets,
 * and their rotation functions). The consumer's on-failure destination is a Kafka topic on the
 * same cluster, so it needs no endpoint (an SQS, SNS or S3 destination would:
 * docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html).
 * With `vpcId` in context the MSK cluster's own VPC is used, read from context (no lookup).
 *
 * An interface endpoint with private DNS can exist only once per service and VPC: a second stack
 * in the same VPC, or a VPC that already has these endpoints, fails to deploy. With
 * `-c createVpcEndpoints=false` the stack creates none and relies on the existing ones (their
 * private DNS name resolves the regional hostname; they must accept HTTPS from the VPC).
 */
export class Network extends Construct {
  readonly vpc: ec2.IVpc;
  readonly privateSubnets: ec2.SubnetSelection;
  /** Absent when the VPC's existing endpoints are reused. */
  readonly secretsManagerEndpoint?: ec2.InterfaceVpcEndpoint;
  /** Functions that talk to PostgreSQL (ingest, api, migrate). */
  readonly databaseClients: ec2.SecurityGroup;
  /** Functions that talk to the brokers (submit). */
  readonly kafkaClients: ec2.SecurityGroup;
  /** The endpoints' security group; absent when existing endpoints are reused. */
  readonly endpoints?: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, { config }: NetworkProps) {
    super(scope, id);
    const existing = config.existingVpc;
    if (existing) {
      this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: existing.vpcId,
        vpcCidrBlock: existing.vpcCidr,
        availabilityZones: existing.availabilityZones,
        privateSubnetIds: existing.privateSubnetIds,
      });
      this.privateSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    } else {
      const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
        retention: config.logRetentionDays as logs.RetentionDays,
        removalPolicy: config.database.protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      this.vpc = new ec2.Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 }],
        flowLogs: {
          rejected: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.REJECT },
        },
      });
      this.privateSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    }

    if (config.createVpcEndpoints) {
      this.endpoints = new ec2.SecurityGroup(this, 'EndpointsSg', {
        vpc: this.vpc,
        description: 'Interface endpoints: HTTPS from inside the VPC',
        allowAllOutbound: false,
      });
      // The whole VPC: the rotation functions and any operator host in it reach Secrets Manager.
      this.endpoints.addIngressRule(ec2.Peer.ipv4(this.vpc.vpcCidrBlock), ec2.Port.tcp(443), 'HTTPS from the VPC');
      acknowledge(this.endpoints, {
        id: 'AwsSolutions-EC23',
        reason: "Ingress is the VPC's own CIDR on 443 (a token cdk-nag cannot read), not 0.0.0.0/0.",
      });
      this.secretsManagerEndpoint = this.addEndpoint('SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER, this.endpoints);
    }

    this.databaseClients = new ec2.SecurityGroup(this, 'DatabaseClientsSg', {
      vpc: this.vpc,
      description: 'Functions that query PostgreSQL: out to the database and the endpoints only',
      allowAllOutbound: false,
    });
    // Reused endpoints have a security group we do not know: HTTPS to the VPC's own range.
    const endpointPeer = this.endpoints ? ec2.Peer.securityGroupId(this.endpoints.securityGroupId) : ec2.Peer.ipv4(this.vpc.vpcCidrBlock);
    this.databaseClients.addEgressRule(endpointPeer, ec2.Port.tcp(443), 'AWS APIs through the endpoints');

    this.kafkaClients = new ec2.SecurityGroup(this, 'KafkaClientsSg', {
      vpc: this.vpc,
      description: 'Functions that produce to MSK: out to the brokers IAM listener only',
      allowAllOutbound: false,
    });
    const brokers = config.msk.securityGroupId
      ? ec2.Peer.securityGroupId(config.msk.securityGroupId)
      : ec2.Peer.ipv4(this.vpc.vpcCidrBlock);
    this.kafkaClients.addEgressRule(brokers, ec2.Port.tcp(MSK_IAM_PORT), 'MSK brokers (IAM, TLS)');
    if (config.msk.securityGroupId) {
      const brokersSg = ec2.SecurityGroup.fromSecurityGroupId(this, 'BrokersSg', config.msk.securityGroupId, { mutable: true });
      brokersSg.addIngressRule(this.kafkaClients, ec2.Port.tcp(MSK_IAM_PORT), 'order-pipeline submit function');
    }
  }

  private addEndpoint(id: string, service: ec2.InterfaceVpcEndpointAwsService, securityGroup: ec2.SecurityGroup): ec2.InterfaceVpcEndpoint {
    return this.vpc.addInterfaceEndpoint(id, {
      service,
      subnets: this.privateSubnets,
      securityGroups: [securityGroup],
      privateDnsEnabled: true,
      open: false,
    });
  }
}
